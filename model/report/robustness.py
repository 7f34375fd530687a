"""What ``leverage robustness`` shows: each outcome's probability with its interval, the Sobol'
indices and the tornado, in words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from model.sensitivity.indices import Tornado
    from model.sensitivity.montecarlo import RobustnessResult


def render(result: RobustnessResult, torn: Tornado | None = None) -> str:
    """The text report."""
    from model.sensitivity.outputs import CONFIDENCE
    from model.text import table

    game = result.game
    setting = result.setting
    where = f"scenario {setting.scenario}" if setting.scenario else "baseline"
    if setting.params:
        where += "; " + ", ".join(f"{k}={v:g}" for k, v in setting.params.items())
    lines = [f"{game.title} ({game.path}), {where}"]
    drawn = result.source.parameters
    held = [p for p in game.parameters if p not in result.distributions]
    lines.append(
        f"{result.samples} samples, seed {result.seed}; {len(drawn)} of {len(game.parameters)} "
        f"parameters drawn from their declared distributions"
        + (f", {len(held)} held at the {where} values" if held else "")
    )
    lines.append("")
    lines.append(table(
        ["parameter", "distribution", "unit"],
        [[p.name, result.distributions[p.name], p.unit] for p in drawn],
        align="lll",
    ))
    lines.append("")
    level = f"{CONFIDENCE:.0%}"
    rows = []
    for r in result.outcomes:
        if r.outcome.startswith("(") and r.equilibrium.count == 0:
            continue  # (other) and (mixed) only when they occur
        p, ci = r.equilibrium.text()
        q, cq = r.unique.text()
        rows.append([r.outcome, p, ci, q, cq])
    lines.append(f"How often each outcome is an equilibrium ({level} Wilson intervals)")
    lines.append(table(["outcome", "P(equilibrium)", "interval", "P(only equilibrium)",
                        "interval"], rows, align="lrrrr"))
    lines.append("")
    rows = [[str(n), *v.text()] for n, v in result.n_equilibria.items()]
    lines.append("Number of equilibria")
    lines.append(table(["equilibria", "P", "interval"], rows, align="rrr"))
    p, ci = result.unique.text()
    lines.append(f"Unique equilibrium: {p} {ci}")
    if result.sobol is not None:
        lines.append("")
        lines += _sobol_lines(result.sobol, result.provenance.get("sobol") or {})
    if torn is not None:
        lines.append("")
        lines += _tornado_lines(torn)
    lines.append("")
    lines.append(_provenance_line(result.provenance))
    return "\n".join(lines) + "\n"


def _sobol_lines(df: pd.DataFrame, info: dict[str, Any]) -> list[str]:
    from model.text import table

    n = info.get("base_samples")
    runs = info.get("runs")
    lines = [f"Sobol' indices ({n} base samples, {runs} solves; ± half-width of the 95% "
             "bootstrap interval)"]
    rows = []
    inert: dict[str, int] = {}
    for r in df.itertuples(index=False):
        if r.S1 == r.ST == r.S1_conf == r.ST_conf == 0:  # the output never moves with it
            inert[r.output] = inert.get(r.output, 0) + 1
            continue
        rows.append([r.output, r.parameter, f"{r.S1:.3f}", f"±{r.S1_conf:.3f}",
                     f"{r.ST:.3f}", f"±{r.ST_conf:.3f}"])
    if rows:
        lines.append(table(["output", "parameter", "first-order", "", "total", ""], rows,
                           align="llrrrr"))
    for output, k in inert.items():
        some = "1 parameter" if k == 1 else f"{k} parameters"
        lines.append(f"{output}: {some} with indices of exactly 0 not shown")
    return lines


def _tornado_lines(t: Tornado) -> list[str]:
    from model.text import table

    unit = f" ({t.unit})" if t.unit else ""
    lines = [f"One at a time: {t.output}, {t.label}{unit}; {t.baseline:.4g} at the baseline "
             f"setting, outcomes there: {t.baseline_outcomes}"]
    rows = []
    for b in t.bars:
        change = "; ".join(f"{w}: {s}" for w, s in (("low", b.outcomes_low),
                                                    ("high", b.outcomes_high))
                           if s != t.baseline_outcomes)
        rows.append([b.parameter, f"[{b.low:g}, {b.high:g}]", f"{b.value_low:.4g}",
                     f"{b.value_high:.4g}", f"{b.swing:.4g}", change])
    lines.append(table(["parameter", "range", "at low", "at high", "swing",
                        "outcomes where they change"], rows, align="lrrrrl"))
    return lines


def _provenance_line(prov: Any) -> str:
    return (f"Provenance: {prov['file']} (sha256 {prov['sha256'][:12]}), scenario "
            f"{prov['scenario'] or '-'}, seed {prov['seed']}, {prov['points']} samples, "
            f"tol {prov['tol']:g}, leverage {prov['leverage']}")
