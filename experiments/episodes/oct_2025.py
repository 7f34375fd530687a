"""October 2025: the US affiliates rule, China's expanded rare-earth controls, the 100% tariff
threat and the Busan truce, replayed against the model.

Usage: python experiments/episodes/oct_2025.py [--out FOLDER] [--file PAYOFF_FILE]

--out defaults to experiments/results/episodes, --file to payoffs/baseline.yaml.

Writes <out>/oct_2025.json: the setting and its sources, the payoff file's sha256, what the model
predicts (equilibria, bargains, credibility at the file's patience, the value of moving first) and
what happened, with a verdict per stage (rule in model/episodes/__init__.py).
"""

from __future__ import annotations

import sys

from model.episodes import Episode, Setting, Stage
from model.report.episodes import main

# ---------------------------------------------------------------------------- settings
EPISODE = Episode(
    name="oct_2025",
    title="October 2025 controls and the Busan truce",
    dates="29 September - 10 November 2025",
    start="2025-09-29",
    description=(
        "The US extends export controls to 50%-owned affiliates (29 September); China expands "
        "its rare-earth controls (9 October); the US threatens 100% tariffs and 'critical "
        "software' controls (10 October); the Busan meeting of 30 October suspends most of it "
        "for a year."
    ),
    setting=Setting(scenario="oct_2025"),
    sources={
        "oct_2025": (
            "Added to the payoff file for this episode (its source: iea_oct_2025). "
            "us_re_dependence 0.94: the October controls bear on magnets, and China makes 94% of "
            "the world's magnets (IEA, October 2025). years_us_magnet_substitution 8: the IEA's "
            "lead time of a new minerals facility, given in the same commentary. trace_leakage "
            "0: the 0.1% de-minimis rule of 9 October reaches magnets and parts made abroad "
            "with Chinese rare earths, closing the third-country route on paper (MOFCOM, 9 "
            "October 2025, via the press: payoffs/SOURCES.md; the file's trace_leakage names it). "
            "The spiral and the cut stay at the baseline: no source sizes them for October."
        ),
    },
    history=(
        Stage(
            name="october",
            dates="29 Sep - 29 Oct 2025",
            text=(
                "29 Sep: US 50% affiliates rule. 9 Oct: China adds five rare earths to its "
                "licensing and a 0.1% de-minimis rule. 10 Oct: the US threatens 100% tariffs "
                "and 'critical software' controls."
            ),
            sources=("payoffs/SOURCES.md, episode 6 and the cards table", "seeds 001, 002 and 003"),
            levels={
                "eda": "licensed",
                "engines": "licensed",
                "ai_chips": "revenue_share",
                "rare_earths": "restricted",
                "traceability": "enforced",
                "minerals": "banned",
            },
            reading=(
                "China's expanded controls are read as tight licensing ('restricted'), as "
                "announced. On the US side the affiliates rule and the tariffs are not chips; "
                "the threatened 'critical software' controls would have moved EDA to 'banned' "
                "but were not imposed, so EDA stays 'licensed' (since 3 July), engines "
                "'licensed' and AI chips sold with a 15% share (H20, August 2025, seed 002)."
            ),
            outcomes=("us_concedes",),
            notes={
                "agrees": (
                    "On the model's cards the US did what the model says: it kept EDA and "
                    "engines eased against tight licensing and did not carry out the one "
                    "threat that touched them (critical software). Its escalation ran on cards "
                    "the model does not have (the affiliates rule, tariffs)."
                ),
                "disagrees": (
                    "The model has the US answer tight licensing by easing, which is where its "
                    "cards stood; the US escalated instead on cards outside the model (the "
                    "affiliates rule, tariffs), which the model cannot weigh."
                ),
            },
        ),
        Stage(
            name="busan",
            dates="30 Oct - 10 Nov 2025",
            text=(
                "30 Oct: the Busan truce suspends most of it for a year: China's October "
                "controls to 10 Nov 2026, its gallium, germanium and antimony ban to 27 Nov 2026 "
                "with licensing kept; the US affiliates rule suspended on 10 Nov 2025."
            ),
            sources=("payoffs/SOURCES.md, episode 6 and the cards table", "seeds 001, 002 and 003"),
            levels={
                "eda": "licensed",
                "engines": "licensed",
                "ai_chips": "revenue_share",
                "rare_earths": "licensed",
                "traceability": "enforced",
                "minerals": "licensed",
            },
            reading=(
                "The April 2025 licensing of seven rare earths stays ('licensed'); the minerals "
                "ban is suspended with licensing kept, the file's 'licensed'; nothing reports "
                "the traceability system dropped, although the US asked for it (seed 001)."
            ),
            outcomes=("truce",),
            notes={
                "partly": (
                    "At magnet-stage dependence the model's only equilibrium has China keep "
                    "tight licensing while the US eases; the truce is a bargain over that "
                    "point, and one the model does not expect to hold: with the stage "
                    "equilibrium as the only threat, China loses nothing by taking its "
                    "concession back."
                ),
            },
        ),
    ),
)


if __name__ == "__main__":
    sys.exit(main(EPISODE, doc=__doc__))
