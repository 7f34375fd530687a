"""Figures of simulated paths, drawn with matplotlib's Agg backend (no display needed) and sized
to be read on a projector: large type, thick lines, labelled axes with units, a legend per panel.

Each function returns the PNG as bytes; :func:`save` writes them atomically.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from model.io import atomic_write

if TYPE_CHECKING:
    from model.dynamics.compare import RestrictionComparison
    from model.dynamics.simulate import SimulationResult
    from model.sensitivity.grid import Axis
    from model.sensitivity.indices import Tornado, TornadoBar
    from model.sensitivity.maps import OutcomeMap

STYLE: dict[str, Any] = {
    "font.size": 16,
    "axes.titlesize": 18,
    "axes.labelsize": 16,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 13,
    "lines.linewidth": 3.0,
    "lines.markersize": 8,
    "axes.grid": True,
    "grid.alpha": 0.35,
}
PANEL_HEIGHT = 3.8  # inches
WIDTH = 13.0
DPI = 100


@contextmanager
def _figure(panels: int, height: float | None = None) -> Iterator[tuple[Any, list[Any]]]:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, STYLE)):
        fig = Figure(figsize=(WIDTH, height or PANEL_HEIGHT * panels), layout="constrained")
        FigureCanvasAgg(fig)
        axes = [fig.add_subplot(panels, 1, k + 1) for k in range(panels)]
        yield fig, axes


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _shade_forced(ax: Any, forced: Sequence[int], label: bool) -> None:
    for k, t in enumerate(forced):
        ax.axvspan(
            t - 0.5,
            t + 0.5,
            color="0.85",
            zorder=0,
            label="forced period" if label and k == 0 else None,
        )


def simulation_png(result: SimulationResult) -> bytes:
    """The path of a simulation: one panel per unit of the parameters the dynamics move, then
    each side's payoff per period, the cumulative discounted payoffs, and the outcome of each
    period (stacked probabilities, so a mixed equilibrium shows its mix)."""
    game = result.game
    names = game.player_names
    periods = [r.period for r in result.periods]
    forced = [r.period for r in result.periods if r.forced]
    unit = result.period_unit
    pay_unit = result.payoff_unit or "payoff units"
    by_unit: dict[str, list[str]] = {}
    for p in result.tracked:
        by_unit.setdefault(game.parameters[p].unit, []).append(p)
    panels = len(by_unit) + 3
    colours = ("tab:blue", "tab:red")
    with _figure(panels) as (fig, axes):
        fig.suptitle(
            f"{game.title}: {len(periods)} periods, selection '{result.selection}'", fontsize=20
        )
        k = 0
        for param_unit, params in by_unit.items():
            ax = axes[k]
            _shade_forced(ax, forced, label=k == 0)
            for p in params:
                ax.plot(periods, [r.parameters[p] for r in result.periods], marker="o", label=p)
            ax.set_ylabel(param_unit)
            ax.set_title("Leverage parameters (value during the period)")
            ax.legend(loc="best")
            k += 1
        ax = axes[k]
        _shade_forced(ax, forced, label=not by_unit)
        for side in (0, 1):
            ax.plot(
                periods,
                [r.payoffs[side] for r in result.periods],
                marker="o",
                color=colours[side],
                label=names[side],
            )
        ax.axhline(0, color="0.3", linewidth=1)
        ax.set_ylabel(pay_unit)
        ax.set_title("Payoff in each period")
        ax.legend(loc="best")
        ax = axes[k + 1]
        _shade_forced(ax, forced, label=False)
        for side in (0, 1):
            ax.plot(
                periods,
                [r.cumulative[side] for r in result.periods],
                marker="s",
                color=colours[side],
                label=f"{names[side]} (discounted sum)",
            )
        ax.axhline(0, color="0.3", linewidth=1)
        ax.set_ylabel(pay_unit.replace(" per year", "") if pay_unit != "payoff units" else pay_unit)
        ax.set_title("Cumulative discounted payoff")
        ax.legend(loc="best")
        ax = axes[k + 2]
        _shade_forced(ax, forced, label=False)
        outcomes: list[str] = []
        for r in result.periods:
            for name in r.outcome_probabilities:
                if name not in outcomes:
                    outcomes.append(name)
        bottom = [0.0] * len(periods)
        cmap = _colours(len(outcomes))
        for j, name in enumerate(outcomes):
            heights = [r.outcome_probabilities.get(name, 0.0) for r in result.periods]
            ax.bar(periods, heights, bottom=bottom, width=0.8, color=cmap[j], label=name)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("probability")
        ax.set_title(
            "Outcome of each period"
            if outcomes
            else "Outcome of each period (the file names no outcomes)"
        )
        if outcomes:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        for ax in axes:
            ax.set_xlabel(f"period (of {unit})" if unit else "period")
            ax.set_xlim(0.5, len(periods) + 0.5)
            ax.set_xticks(periods if len(periods) <= 30 else periods[:: max(1, len(periods) // 15)])
        return _png(fig)


def comparison_png(comparison: RestrictionComparison) -> bytes:
    """Cumulative discounted payoffs of both sides against the length of the forced
    restriction."""
    runs = comparison.runs
    names = runs[0].game.player_names
    pay_unit = runs[0].payoff_unit.replace(" per year", "") or "payoff units"
    horizon = len(runs[0].periods)
    with _figure(1, height=6.5) as (fig, axes):
        ax = axes[0]
        lengths = list(comparison.lengths)
        width = 0.38
        xs = list(range(len(lengths)))
        for p, (shift, colour) in enumerate(((-width / 2, "tab:blue"), (width / 2, "tab:red"))):
            ax.bar(
                [x + shift for x in xs],
                [r.cumulative[p] for r in runs],
                width=width,
                color=colour,
                label=names[p],
            )
        ax.axhline(0, color="0.3", linewidth=1)
        ax.set_xticks(xs, [str(k) for k in lengths])
        each = f" of {runs[0].period_unit}" if runs[0].period_unit else ""
        ax.set_xlabel(f"periods{each} the restriction is held, out of {horizon}")
        ax.set_ylabel(f"cumulative payoff ({pay_unit})")
        ax.set_title(
            f"Held from period 1: {comparison.forced}\nthen free play "
            f"(selection '{runs[0].selection}'), discounted sum over {horizon} periods"
        )
        ax.legend(loc="best")
        return _png(fig)


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(k % 10) for k in range(n)]


def save(path: str | Path, png: bytes) -> None:
    """Write a PNG atomically."""
    atomic_write(path, png)


def tornado_png(t: Tornado, top: int = 20) -> bytes:
    """The tornado as a PNG: one bar per parameter that moves the output (the ``top`` largest
    swings, largest on top) from the baseline value to the value at each end of the
    parameter's range, the baseline as a vertical line, and beside each bar the outcome set at
    an end where it differs from the baseline's; the parameters left out are counted below."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    moving = [b for b in t.bars if b.swing > 0] or list(t.bars)
    bars = moving[:top]
    smaller = len(moving) - len(bars)
    still = len(t.bars) - len(moving)
    setting = f"scenario {t.scenario}" if t.scenario else "baseline"
    if t.fixed:
        setting += "; " + ", ".join(f"{k}={v:g}" for k, v in t.fixed.items())
    height = max(5.0, 2.4 + 0.62 * len(bars))
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        fig = Figure(figsize=(16.0, height), layout="constrained")
        FigureCanvasAgg(fig)
        ax, side = fig.subplots(1, 2, sharey=True, width_ratios=(2.6, 1.0))
        ys = np.arange(len(bars))[::-1]
        for y, b in zip(ys, bars, strict=True):
            for value, colour, which in ((b.value_low, "tab:blue", "low"),
                                         (b.value_high, "tab:orange", "high")):
                ax.barh(y + (0.2 if which == "high" else -0.2), value - t.baseline,
                        left=t.baseline, height=0.38, color=colour,
                        label=f"parameter at the {which} end of its range"
                        if y == ys[0] else None)
        ax.axvline(t.baseline, color="0.15", linewidth=2.5,
                   label=f"at the {setting}: {t.baseline:.4g}")
        ax.set_yticks(ys, [_range_label(b) for b in bars])
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, len(bars) - 0.3)
        ax.margins(x=0.04)
        unit = f" ({t.unit})" if t.unit else ""
        xlabel = f"{t.output}: {t.label}{unit}"
        hidden = []
        if smaller:
            hidden.append(f"{_count(smaller, 'parameter')} with smaller swings (up to "
                          f"{moving[len(bars)].swing:.3g})")
        if still:
            verb = "does" if still == 1 else "do"
            hidden.append(f"{_count(still, 'parameter')} that {verb} not move it")
        if hidden:
            xlabel += f"\nnot shown: {' and '.join(hidden)}"
        ax.set_xlabel(xlabel)
        fig.suptitle(f"{t.title}: each parameter alone to the ends of its range, the others "
                     f"at the {setting}\noutcomes at the {setting}: {t.baseline_outcomes}",
                     fontsize=18)
        fig.legend(loc="outside lower center", ncols=3, fontsize=13)
        # the outcome set at an end where it differs from the baseline's
        side.set_axis_off()
        side.set_xlim(0, 1)
        side.set_title("outcomes where they change", fontsize=14, loc="left")
        for y, b in zip(ys, bars, strict=True):
            notes = [f"{which}: {s}" for which, s in (("low", b.outcomes_low),
                                                       ("high", b.outcomes_high))
                     if s != t.baseline_outcomes]
            if notes:
                side.text(0.0, y, "\n".join(notes), fontsize=13, va="center", ha="left")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _range_label(b: TornadoBar) -> str:
    unit = f" {b.unit}" if b.unit and len(b.unit) <= 14 else ""
    return f"{b.parameter}  [{b.low:g}, {b.high:g}]{unit}"


# ---------------------------------------------------------------------------- outcome maps
#: Colours of the regions, from Paul Tol's "light" scheme (distinguishable with the common
#: forms of colour blindness, and light enough for black lines on top): the first five
#: named outcomes of a file, then "(other)" and "(mixed)" alone, keep their colours on every
#: map; sets of several outcomes take the next ones in turn.
SINGLE = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF")
OTHER_COLOUR, MIXED_COLOUR = "#DDDDDD", "#BBCC33"
COMBINED = ("#44BB99", "#AAAA00")
PALETTE = (*SINGLE, "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD")
#: Hatches that tell regions apart once the colours have been used up.
HATCHES = ("//", "\\\\", "..", "xx", "oo", "--")


def colours_for(outcomes: Sequence[str], sets: Iterable[int]) -> dict[int, tuple[str, str]]:
    """A (colour, hatch) for each outcome set (bit k: ``outcomes[k]``, the last two being
    "(other)" and "(mixed)"). A set of one outcome keeps its colour on every map of the
    file; other sets take the remaining colours in the order given, then hatched ones. Pass
    the union of the sets of several maps to colour them alike."""
    named = len(outcomes) - 2
    out: dict[int, tuple[str, str]] = {}
    rest = []
    for b in dict.fromkeys(sets):
        single = b > 0 and b & (b - 1) == 0
        k = b.bit_length() - 1
        if single and k < min(named, len(SINGLE)):
            out[b] = (SINGLE[k], "")
        elif single and k == named:
            out[b] = (OTHER_COLOUR, "")
        elif single and k == named + 1:
            out[b] = (MIXED_COLOUR, "")
        else:
            rest.append(b)
    free = [c for c in COMBINED] + [c for c in PALETTE if c not in COMBINED]
    used = {c for c, _ in out.values()}
    plain = [c for c in free if c not in used]
    for n, b in enumerate(rest):
        if n < len(plain):
            out[b] = (plain[n], "")
        else:
            m = n - len(plain)
            out[b] = (PALETTE[m % len(PALETTE)], HATCHES[(m // len(PALETTE)) % len(HATCHES)])
    return out


def _axis_label(axis: Axis) -> str:
    """The parameter's name and unit; on two lines when long."""
    if not axis.unit:
        return axis.name
    one = f"{axis.name} ({axis.unit})"
    return one if len(one) <= 45 else f"{axis.name}\n({axis.unit})"


def _share(s: float) -> str:
    return f"{100 * s:.0f}%" if s >= 0.005 else "<1%"


def map_png(omap: OutcomeMap, *, colours: Mapping[int, tuple[str, str]] | None = None,
            title: str | None = None) -> bytes:
    """The map as a PNG: the regions in colour (a legend outside the plot names each one and
    its share of the map), the tipping curves as black lines, the baseline or scenario
    point as a star."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.patheffects import Normal, Stroke
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    x, y = omap.x, omap.y
    shares = omap.shares()
    order = sorted(shares, key=lambda b: (bin(b).count("1"), b))
    scheme = dict(colours or {})
    from model.sensitivity.regions import faces, runs

    cell_bits, polygons = faces(omap)
    thin = sorted({b for b, _ in polygons} - set(shares))  # only between grid points
    shares.update({b: 0.0 for b in thin})
    order += thin
    largest_first = sorted(shares, key=lambda b: (-shares[b], b))
    for b, fill in colours_for(omap.outcomes, [*scheme, *largest_first]).items():
        scheme.setdefault(b, fill)

    style = dict(STYLE)
    style.update({"axes.grid": False, "legend.fontsize": 14, "hatch.linewidth": 1.5,
                  "hatch.color": "0.35"})
    with matplotlib.rc_context(cast(Any, style)):
        fig = Figure(figsize=(15.0, 8.4), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        # the cells no curve cuts, a run of equal cells of a row as one rectangle, then the
        # cut cells filled up to the curves; edges drawn in the fill colour close the seams
        shapes = runs(x, y, cell_bits) + polygons
        fills = [scheme[b][0] for b, _ in shapes]
        ax.add_collection(PolyCollection([p for _, p in shapes], facecolors=fills,
                                         edgecolors=fills, linewidths=0.8))
        for b in order:  # hatches over the regions that need them
            hatch = scheme[b][1]
            if not hatch:
                continue
            whole = [np.array([(x.values[j], y.values[i]), (x.values[j + 1], y.values[i]),
                               (x.values[j + 1], y.values[i + 1]),
                               (x.values[j], y.values[i + 1])])
                     for i, j in zip(*np.nonzero(cell_bits == b), strict=True)]
            parts = [p for c, p in polygons if c == b]
            ax.add_collection(PolyCollection(whole + parts, facecolors="none",
                                             edgecolors="0.35", linewidths=0, hatch=hatch))
        halo = [Stroke(linewidth=6.5, foreground="white"), Normal()]
        for colour, width, z in (("white", 6.5, 3.0), ("black", 3.0, 3.1)):  # halos first,
            for c in omap.curves:  # so that none covers a line where curves meet
                ax.plot(c.points[:, 0], c.points[:, 1], color=colour, linewidth=width,
                        solid_capstyle="round", solid_joinstyle="round", zorder=z)
        px, py = omap.point
        where = f"scenario {omap.scenario}" if omap.scenario else "baseline"
        inside = x.low <= px <= x.high and y.low <= py <= y.high
        if inside:
            ax.plot([px], [py], marker="*", markersize=30, color="black",
                    markeredgecolor="white", markeredgewidth=2.0, linestyle="none", zorder=4)
        if x.log:
            ax.set_xscale("log")
        if y.log:
            ax.set_yscale("log")
        for a, axis in ((x, ax.xaxis), (y, ax.yaxis)):
            if a.log:  # plain numbers at 1, 2, 5 times powers of ten
                axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
                axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())
        ax.set_xlim(x.low, x.high)
        ax.set_ylim(y.low, y.high)
        ax.set_xlabel(_axis_label(x), fontsize=17)
        ax.set_ylabel(_axis_label(y), fontsize=17)
        ax.tick_params(labelsize=15)
        setting = where
        if omap.fixed:
            setting += ", " + ", ".join(f"{k} = {v:g}" for k, v in omap.fixed.items())
        ax.set_title(title or f"{omap.title}: which outcomes are equilibria\n({setting})",
                     fontsize=20)
        handles: list[Any] = []
        for b in sorted(order, key=lambda b: -shares[b]):
            colour, hatch = scheme[b]
            handles.append(Patch(facecolor=colour, edgecolor="0.3", hatch=hatch,
                                 label=f"{omap.labels[b]}  ({_share(shares[b])})"))
        if omap.curves:
            how = "located by bisection" if omap.refined else "at grid-cell edges"
            handles.append(Line2D([], [], color="black", linewidth=3.0, path_effects=halo,
                                  label=f"tipping curve ({how})"))
        star = f"{where} ({px:g}, {py:g})" + ("" if inside else ", outside the map")
        handles.append(Line2D([], [], marker="*", markersize=22, color="black",
                              markeredgecolor="white", linestyle="none", label=star))
        fig.legend(handles=handles, loc="outside right upper",
                   title="Outcomes of the equilibria\n(share of the map)",
                   title_fontsize=15, frameon=False, labelspacing=0.9, handlelength=2.2,
                   handleheight=1.4, alignment="left")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def plot_map(omap: OutcomeMap, path: str | Path, *,
             colours: Mapping[int, tuple[str, str]] | None = None,
             title: str | None = None) -> None:
    """Write :func:`map_png` to ``path``, atomically."""
    atomic_write(path, map_png(omap, colours=colours, title=title))
