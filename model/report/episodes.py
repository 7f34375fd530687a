"""What an episode's replay shows: each stage's setting, what the model says and what happened, in
Markdown and as JSON files, and the table of all episodes."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from model.episodes import DEFAULT_FILE, ROOT, VERDICTS, Episode, _relative, replay
from model.errors import LeverageError
from model.game import Game
from model.io import atomic_write, dumps_json


# ---------------------------------------------------------------------------- words
def _num(x: float | None) -> str:
    if x is None:
        return "never"
    return f"{x:.2f}".replace("-0.00", "0.00")


def _outcomes_text(d: Mapping[str, float]) -> str:
    if not d:
        return "none"
    if len(d) == 1:
        return next(iter(d))
    return " + ".join(f"{v:.2f} {k}" for k, v in d.items())


def _first_offer(b: Mapping[str, Any]) -> dict[str, float]:
    """Each side's Rubinstein payoff when it proposes first, minus when the other does."""
    r = b.get("rubinstein") or {}
    if len(r) != 2:
        return {}
    names = list(r)
    return {who: r[who]["payoffs"][k] - r[names[1 - k]]["payoffs"][k]
            for k, who in enumerate(names)}


def summary(result: Mapping[str, Any]) -> str:
    """A few lines for the terminal: the setting, the predictions, each stage's verdict."""
    p = result["predictions"]
    b = p["bargain"]
    n = len(p["equilibria"])
    lines = [f"{result['title']} ({result['dates']})",
             f"  setting: {result['settings']['described']}",
             f"  pure equilibria: {', '.join(p['pure_outcomes']) or 'none'} "
             f"({n} equilibri{'um' if n == 1 else 'a'} in all)"]
    if b.get("nash"):
        lines.append(f"  Nash bargain: {_outcomes_text(b['nash']['outcomes'])}, gains US "
                     f"{_num(b['nash']['gains'][0])}, China {_num(b['nash']['gains'][1])}")
    cred = p.get("credibility", {})
    for name in ("deal", "truce"):
        if name in cred:
            c = cred[name]
            lines.append(f"  {name}: {c['holding']} of {c['profiles']} profiles kept at "
                         f"patience {_num(p.get('patience'))}")
    fm = p["first_move"]
    lines.append("  value of moving first (commitment): " + ", ".join(
        f"{who} {_num(v['value'])}" for who, v in fm.items()))
    offers = _first_offer(b)
    if offers:
        lines.append("  value of proposing first (Rubinstein): " + ", ".join(
            f"{who} {_num(v)}" for who, v in offers.items()))
    for h, c in zip(result["history"], result["comparison"], strict=True):
        lines.append(f"  {h['dates']}: observed {' or '.join(h['outcomes'])} -> {c['verdict']}")
    return "\n".join(lines)


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _setting_md(r: Mapping[str, Any]) -> str:
    s = r["settings"]
    parts = []
    if s["scenario"]:
        ch = ", ".join(f"{k}={v:g}" for k, v in s["scenario_changes"].items())
        parts.append(f"`{s['scenario']}` ({ch})")
    else:
        parts.append("baseline")
    parts += [f"{k}={v:g}" for k, v in s["params"].items()]
    return "; ".join(parts)


def _kept_md(p: Mapping[str, Any], name: str) -> str:
    c = p.get("credibility", {}).get(name)
    if c is None:
        return "-"
    if c["best_holding"] is None:
        return f"no (0 of {c['profiles']})"
    return (f"yes, {c['holding']} of {c['profiles']} profiles (best needs "
            f"{_num(c['best_holding']['critical_discount'])})")


def table(results: Sequence[Mapping[str, Any]]) -> str:
    """The Markdown report: one table of predictions per episode, and one table that puts
    prediction and history side by side, one row per stage, with the verdict."""
    results = sorted(results, key=lambda r: (r["start"], r["episode"]))
    out = ["# Episodes of 2024-2026 replayed against the model", ""]
    if results:
        files = sorted({(r["file"], r["sha256"]) for r in results})
        out.append("Payoff file: " + "; ".join(f"`{f}` (sha256 `{h[:12]}`)" for f, h in files)
                   + ". Regenerate with `python experiments/episodes/run_all.py`.")
        out.append("")
    out += [
        "How a stage is judged (`model.episodes.compare`): **agrees** when the observed outcome "
        "is the outcome of a pure equilibrium of the one-shot game; **partly** when it is not, "
        "but the Nash bargain (from the equilibrium disagreement point) gives it a positive "
        "probability, or grim-trigger reversion to the stage equilibrium keeps the observed "
        "profile at the file's patience; **disagrees** otherwise. Outcome names are the payoff "
        "file's, applied to the chip levels observed; they look at the main cards only (EDA, "
        "engines, rare earths, traceability), so the chips column says where the observed "
        "profile differs from the nearest pure equilibrium. 'At the baseline' is the same "
        "verdict with the file's baseline values, as a check on the choice of setting.",
        "",
        "## What the model predicts, episode by episode",
        "",
        "| episode | setting | pure equilibria | Nash bargain (gains US, China) | deal kept at "
        "patience? | truce kept at patience? | value of moving first (US, China) |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [(f"{r['title']} ({r['dates']})", _setting_md(r), r["predictions"])
            for r in results]
    base = next((r["baseline_predictions"] for r in results if "baseline_predictions" in r),
                None)
    if base is not None:
        rows.append(("(for comparison)", "baseline", base))
    for title, setting, p in rows:
        nash = p["bargain"].get("nash")
        bargain_text = ("no bargain" if not nash else
                        f"{_outcomes_text(nash['outcomes'])} ({_num(nash['gains'][0])}, "
                        f"{_num(nash['gains'][1])})")
        first = "commitment " + ", ".join(_num(v["value"]) for v in p["first_move"].values())
        offers = _first_offer(p["bargain"])
        if offers:
            first += "; first offer " + ", ".join(_num(v) for v in offers.values())
        out.append("| " + " | ".join(_md(x) for x in [
            title, setting, ", ".join(p["pure_outcomes"]) or "none", bargain_text,
            _kept_md(p, "deal"), _kept_md(p, "truce"), first,
        ]) + " |")
    out += ["", "## Prediction and history, stage by stage", "",
            "| episode | when | what happened | observed outcome | chips unlike the nearest "
            "equilibrium | model: pure equilibria; bargain | observed profile kept? | verdict "
            "| at the baseline | why |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        p = r["predictions"]
        for h, c in zip(r["history"], r["comparison"], strict=True):
            mv = c["observed_profile"]
            near = mv.get("nearest_equilibrium")
            if near is None:
                chips = "no pure equilibrium"
            elif not near["differs"]:
                chips = "none: it is an equilibrium"
            else:
                chips = "; ".join(f"{k} {a} (model: {b})" for k, (a, b) in
                                  near["differs"].items())
            kept = mv.get("kept")
            kept_text = "-" if kept is None else (
                "yes" if kept["holds"] else
                "no (" + ", ".join(f"{s['player']} would move" for s in kept["sides"]
                                   if s["holds"] is False) + ")")
            model_text = (f"{', '.join(p['pure_outcomes']) or 'none'}; "
                          f"{_outcomes_text(p['bargain_outcomes'])}")
            why = c["reason"] if not c["note"] else f"{c['note']} ({c['reason']})"
            base = c.get("at_baseline", {}).get("verdict", "same setting")
            out.append("| " + " | ".join(_md(x) for x in [
                r["title"], h["dates"], h["text"], " or ".join(h["outcomes"]), chips,
                model_text, kept_text, f"**{c['verdict']}**", base, why,
            ]) + " |")
    counts = {v: sum(c["verdict"] == v for r in results for c in r["comparison"])
              for v in VERDICTS}
    out += ["", "Verdicts: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + ".", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------- scripts
def write(result: Mapping[str, Any], folder: str | Path) -> Path:
    """Write ``result`` to ``folder/<episode>.json`` atomically; returns the path."""
    path = Path(folder) / f"{result['episode']}.json"
    atomic_write(path, dumps_json(result, indent=2) + "\n")
    return path


def main(episode: Episode, argv: Sequence[str] | None = None, doc: str | None = None,
         game: Game | None = None) -> int:
    """What an episode script does: replay, write ``<out>/<episode>.json``, print a summary.

    ``game`` spares loading the payoff file again when several episodes run in one process;
    it must be the file ``--file`` names."""
    ap = argparse.ArgumentParser(description=(doc or episode.title).strip().splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE, help="payoff file")
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "results" / "episodes",
                    help="folder for the JSON result")
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        if game is not None and Path(game.path).resolve() != args.file.resolve():
            game = None
        result = replay(episode, game=game, file=args.file)
    except LeverageError as exc:
        print(f"error: {exc}")
        return 2
    path = write(result, args.out)
    print(summary(result))
    print(f"wrote {_relative(path)}")
    return 0
