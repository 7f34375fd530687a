"""December 2024: the US rules of 2 December and China's gallium, germanium and antimony ban of
3 December, replayed against the model.

Usage: python experiments/episodes/dec_2024.py [--out FOLDER] [--file PAYOFF_FILE]

--out defaults to experiments/results/episodes, --file to payoffs/baseline.yaml.

Writes <out>/dec_2024.json: the setting and its sources, the payoff file's sha256, what the model
predicts (equilibria, bargains, credibility at the file's patience, the value of moving first) and
what happened, with a verdict per stage (rule in model/episodes/__init__.py).
"""

from __future__ import annotations

import sys

from model.episodes import Episode, Setting, Stage
from model.report.episodes import main

# ---------------------------------------------------------------------------- settings
EPISODE = Episode(
    name="dec_2024",
    title="December 2024 escalation",
    dates="2-3 December 2024",
    start="2024-12-02",
    description=(
        "The outgoing US administration's rules on chip-making equipment, software and "
        "high-bandwidth memory with 140 Entity List additions (2 December), answered within a "
        "day by China's ban in principle on gallium, germanium and antimony exports to the US "
        "(3 December)."
    ),
    setting=Setting(scenario="dec_2024"),
    sources={
        "dec_2024": (
            "The payoff file's scenario for these two days (its source: seed_003, the 2 and "
            "3 December measures). It sets us_security_weight 2 and us_ai_security_weight 4 (the "
            "outgoing administration's high value on denial) and spiral 0.1 (each move answered "
            "within a day, without a spiral of further measures); the three values are the "
            "file's judgements, within their declared ranges."
        ),
    },
    history=(
        Stage(
            name="dec_2024",
            dates="2-3 Dec 2024",
            text=(
                "2 Dec: US rules on 24 tool types, 3 software tools and HBM, 140 Entity List "
                "additions. 3 Dec: China bans gallium, germanium and antimony exports to the US "
                "'in principle'; industry associations call US chips 'no longer safe'."
            ),
            sources=("payoffs/SOURCES.md, episode 1 and the cards table", "seed 003"),
            levels={
                "eda": "licensed",
                "engines": "licensed",
                "ai_chips": "revenue_share",
                "rare_earths": "open",
                "traceability": "enforced",
                "minerals": "banned",
            },
            reading=(
                "EDA stays at the case-by-case regime the file calls 'licensed' (the ban came "
                "in late May 2025, seed 002). Engine licences were suspended only in May 2025. "
                "H20 sales needed no licence until April 2025; 'revenue_share' is the file's "
                "level for sales allowed (the share came in August 2025 and moves money within "
                "the US only). Licensing of the seven medium and heavy rare earths began on "
                "4 April 2025, so rare earths are 'open'. The traceability regulations were in "
                "force from 1 October 2024 (seed 001). The equipment, HBM and Entity List rules "
                "are not chips of the model."
            ),
            outcomes=("truce",),
            notes={
                "partly": (
                    "Only by the labels: 'truce' here means that neither main card (EDA ban, "
                    "engine suspension, tight rare-earth licensing) was played. The escalation "
                    "of December 2024 ran on US equipment, HBM and Entity List rules, which are "
                    "not chips, and on gallium and germanium, where the model does agree "
                    "(minerals banned in its equilibrium). The mutual restriction of main cards "
                    "the model predicts for these values came only in April-May 2025, and no "
                    "bargain was struck in December 2024: the one-shot model cannot say when a "
                    "card is played."
                ),
                "disagrees": (
                    "The model has both sides play their main cards at once; in December 2024 "
                    "they escalated on cards outside the model (US equipment rules) and on "
                    "gallium and germanium, and kept the main cards for 2025."
                ),
            },
        ),
    ),
)


if __name__ == "__main__":
    sys.exit(main(EPISODE, doc=__doc__))
