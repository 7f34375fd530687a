"""February 2026: planned US measures shelved before the April 2026 visit, with the Busan truce
in force, replayed against the model.

Usage: python experiments/episodes/feb_2026.py [--out FOLDER] [--file PAYOFF_FILE]

--out defaults to experiments/results/episodes, --file to payoffs/baseline.yaml.

Writes <out>/feb_2026.json: the setting and its sources, the payoff file's sha256, what the model
predicts (equilibria, bargains, credibility at the file's patience, the value of moving first) and
what happened, with a verdict per stage (rule in model/episodes/__init__.py).
"""

from __future__ import annotations

import sys

from model.episodes import Episode, Setting, Stage
from model.report.episodes import main

# ---------------------------------------------------------------------------- settings
EPISODE = Episode(
    name="feb_2026",
    title="February 2026: planned US measures shelved",
    dates="12-13 February 2026",
    start="2026-02-12",
    description=(
        "With the Busan truce in force, the US shelves planned telecom, data-centre and EV "
        "truck and bus measures ahead of an April 2026 visit."
    ),
    setting=Setting(scenario="oct_2025", params={"trace_leakage": 0.2}),
    sources={
        "oct_2025": (
            "The leverage of October 2025 (see experiments/episodes/oct_2025.py): dependence at "
            "the magnet stage, 0.94, and the IEA's 8-year lead time (IEA, October 2025); no "
            "source in payoffs/SOURCES.md moves either between October 2025 and February 2026."
        ),
        "trace_leakage": (
            "Back to the baseline's 0.2 (a judgement of the file): the Busan truce suspended "
            "China's October controls, the 0.1% de-minimis rule with them, until 10 November "
            "2026 (press, October-November 2025: payoffs/SOURCES.md)."
        ),
    },
    history=(
        Stage(
            name="february",
            dates="12-13 Feb 2026",
            text=(
                "Planned US telecom, data-centre and EV truck and bus measures shelved before "
                "an April 2026 visit. The Busan truce holds; H200 sales allowed to approved "
                "buyers with 25% to the US government since 8 Dec 2025."
            ),
            sources=("payoffs/SOURCES.md, episodes 6-8 and the cards table", "seeds 002 and 004"),
            levels={
                "eda": "licensed",
                "engines": "licensed",
                "ai_chips": "revenue_share",
                "rare_earths": "licensed",
                "traceability": "enforced",
                "minerals": "licensed",
            },
            reading=(
                "The chips stand where the Busan truce put them. The shelved measures are not "
                "chips of the model; shelving them reads as the US keeping the truce rather "
                "than taking back what it gave."
            ),
            outcomes=("truce",),
            notes={
                "partly": (
                    "The model finds the truce among the bargains but not among the equilibria, "
                    "and at magnet-stage dependence grim trigger does not keep it: China would "
                    "take its concession back. That the US nonetheless held back fits a "
                    "bargain kept for an upcoming summit, a calendar the model does not have."
                ),
                "disagrees": (
                    "The model has no place for the truce at these values; the restraint before "
                    "the April 2026 visit follows a calendar the one-shot model does not have."
                ),
            },
        ),
    ),
)


if __name__ == "__main__":
    sys.exit(main(EPISODE, doc=__doc__))
