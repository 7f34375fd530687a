"""Figures of simulated paths, drawn with matplotlib's Agg backend (no display needed) and sized
to be read on a projector: large type, thick lines, labelled axes with units, a legend per panel.

Each function returns the figure as PNG bytes, or as SVG with ``fmt="svg"``; :func:`save`
writes them atomically. The outcome map
is drawn in :mod:`model.report.map_plot` and offered here with the others, so that the command
line asks this module for every picture; the shared style is :mod:`model.report.plot_style`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from model.io import atomic_write
from model.report.map_plot import colours_for, map_png, plot_map
from model.report.plot_style import (
    FIGSIZE,
    OKABE_ITO,
    SIDE_COLOURS,
    STYLE,
    figure_bytes,
    figure_format,
)

__all__ = ["STYLE", "colours_for", "comparison_png", "figure_format", "map_png", "plot_map",
           "save", "simulation_png", "tornado_png"]

if TYPE_CHECKING:
    from model.dynamics.compare import RestrictionComparison
    from model.dynamics.simulate import SimulationResult
    from model.sensitivity.indices import Tornado, TornadoBar


@contextmanager
def _figure(panels: int, style: Mapping[str, Any] | None = None,
            ) -> Iterator[tuple[Any, list[Any]]]:
    """A landscape figure of ``panels`` panels: one, or two rows of them side by side."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, {**STYLE, **(style or {})})):
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        FigureCanvasAgg(fig)
        rows = 1 if panels == 1 else 2
        cols = -(-panels // rows)
        axes = [fig.add_subplot(rows, cols, k + 1) for k in range(rows * cols)]
        yield fig, axes


#: The smaller type of a figure of several panels, still legible at 1280 x 720.
PANELS_STYLE = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12,
                "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 10.5,
                "lines.linewidth": 2.5, "lines.markersize": 6}


def _shade_forced(ax: Any, forced: Sequence[int], label: bool) -> None:
    for k, t in enumerate(forced):
        ax.axvspan(
            t - 0.5,
            t + 0.5,
            color="0.85",
            zorder=0,
            label="forced period" if label and k == 0 else None,
        )


def simulation_png(result: SimulationResult, fmt: str = "png") -> bytes:
    """The path of a simulation: one panel per unit of the parameters the dynamics move, then
    each side's payoff per period, the cumulative discounted payoffs, and the outcome of each
    period (stacked probabilities, so a mixed equilibrium shows its mix)."""
    game = result.game
    periods = [r.period for r in result.periods]
    forced = [r.period for r in result.periods if r.forced]
    by_unit: dict[str, list[str]] = {}
    for p in result.tracked:
        by_unit.setdefault(game.parameters[p].unit, []).append(p)
    k = len(by_unit)
    with _figure(k + 3, PANELS_STYLE) as (fig, axes):
        fig.suptitle(
            f"{game.title}: {len(periods)} periods, selection '{result.selection}'", fontsize=16
        )
        spare = axes[k + 3:]
        for ax in spare:
            ax.set_axis_off()
        _parameter_panels(axes[:k], result, by_unit, forced)
        _payoff_panel(axes[k], result, forced, label=not by_unit)
        _cumulative_panel(axes[k + 1], result, forced)
        _outcome_panel(axes[k + 2], result, forced, spare[0] if spare else None)
        _period_axes(axes[:k + 3], result)
        return figure_bytes(fig, fmt)


def _parameter_panels(axes: Sequence[Any], result: SimulationResult,
                      by_unit: Mapping[str, list[str]], forced: Sequence[int]) -> None:
    """One panel per unit: the value of each moving parameter in that unit, period by period."""
    periods = [r.period for r in result.periods]
    for k, (ax, (param_unit, params)) in enumerate(zip(axes, by_unit.items(), strict=True)):
        _shade_forced(ax, forced, label=k == 0)
        for p in params:
            ax.plot(periods, [r.parameters[p] for r in result.periods], marker="o", label=p)
        ax.set_ylabel(param_unit)
        ax.set_title("Leverage parameters (value during the period)")
        ax.legend(loc="best")


def _side_lines(ax: Any, result: SimulationResult, value: Any, marker: str,
                label: str) -> None:
    """One line per side over the periods: ``value(period_result, side)``, labelled
    ``label`` with ``{name}`` the side's name."""
    periods = [r.period for r in result.periods]
    for side, name in enumerate(result.game.player_names):
        ax.plot(periods, [value(r, side) for r in result.periods], marker=marker,
                color=SIDE_COLOURS[side], label=label.format(name=name))


def _payoff_panel(ax: Any, result: SimulationResult, forced: Sequence[int],
                  label: bool) -> None:
    """Each side's payoff in each period."""
    _shade_forced(ax, forced, label=label)
    _side_lines(ax, result, lambda r, side: r.payoffs[side], "o", "{name}")
    ax.axhline(0, color="0.3", linewidth=1)
    ax.set_ylabel(result.payoff_unit or "payoff units")
    ax.set_title("Payoff in each period")
    ax.legend(loc="best")


def _cumulative_panel(ax: Any, result: SimulationResult, forced: Sequence[int]) -> None:
    """Each side's discounted sum of payoffs up to each period."""
    pay_unit = result.payoff_unit or "payoff units"
    _shade_forced(ax, forced, label=False)
    _side_lines(ax, result, lambda r, side: r.cumulative[side], "s", "{name} (discounted sum)")
    ax.axhline(0, color="0.3", linewidth=1)
    ax.set_ylabel(pay_unit.replace(" per year", "") if pay_unit != "payoff units" else pay_unit)
    ax.set_title("Cumulative discounted payoff")
    ax.legend(loc="best")


def _outcome_panel(ax: Any, result: SimulationResult, forced: Sequence[int],
                   legend_ax: Any = None) -> None:
    """The outcome of each period as stacked probabilities (the legend in ``legend_ax`` if
    given, else beside the panel)."""
    periods = [r.period for r in result.periods]
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
    if outcomes and legend_ax is not None:
        handles, labels = ax.get_legend_handles_labels()
        legend_ax.legend(handles, labels, loc="center left", title="outcome",
                         frameon=False, fontsize=13, title_fontsize=13)
    elif outcomes:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _period_axes(axes: Sequence[Any], result: SimulationResult) -> None:
    """The shared horizontal axis of every panel: the periods, in the dynamics' unit."""
    periods = [r.period for r in result.periods]
    unit = result.period_unit
    for ax in axes:
        ax.set_xlabel(f"period (of {unit})" if unit else "period")
        ax.set_xlim(0.5, len(periods) + 0.5)
        ax.set_xticks(periods if len(periods) <= 30 else periods[:: max(1, len(periods) // 15)])


def comparison_png(comparison: RestrictionComparison, fmt: str = "png") -> bytes:
    """Cumulative discounted payoffs of both sides against the length of the forced
    restriction."""
    runs = comparison.runs
    names = runs[0].game.player_names
    pay_unit = runs[0].payoff_unit.replace(" per year", "") or "payoff units"
    horizon = len(runs[0].periods)
    with _figure(1) as (fig, axes):
        ax = axes[0]
        lengths = list(comparison.lengths)
        width = 0.38
        xs = list(range(len(lengths)))
        for p, (shift, colour) in enumerate(((-width / 2, SIDE_COLOURS[0]),
                                             (width / 2, SIDE_COLOURS[1]))):
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
        return figure_bytes(fig, fmt)


def _colours(n: int) -> list[Any]:
    return [OKABE_ITO[k % len(OKABE_ITO)] for k in range(n)]


def save(path: str | Path, figure: bytes) -> None:
    """Write a figure (PNG or SVG bytes) atomically."""
    atomic_write(path, figure)


def tornado_png(t: Tornado, top: int = 12, fmt: str = "png") -> bytes:
    """The tornado as a PNG (or SVG): one bar per parameter that moves the output (the ``top``
    largest swings, largest on top) from the baseline value to the value at each end of the
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
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        FigureCanvasAgg(fig)
        ax, side = fig.subplots(1, 2, sharey=True, width_ratios=(2.2, 1.0))
        ys = np.arange(len(bars))[::-1]
        for y, b in zip(ys, bars, strict=True):
            for value, colour, which in ((b.value_low, OKABE_ITO[4], "low"),
                                         (b.value_high, OKABE_ITO[0], "high")):
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
                     fontsize=15)
        fig.legend(loc="outside lower center", ncols=3, fontsize=12)
        # the outcome set at an end where it differs from the baseline's
        side.set_axis_off()
        side.set_xlim(0, 1)
        side.set_title("outcomes that change", fontsize=12, loc="left")
        for y, b in zip(ys, bars, strict=True):
            notes = [f"{which}: {s}" for which, s in (("low", b.outcomes_low),
                                                       ("high", b.outcomes_high))
                     if s != t.baseline_outcomes]
            if notes:
                side.text(0.0, y, "\n".join(notes), fontsize=12, va="center", ha="left")
        return figure_bytes(fig, fmt)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _range_label(b: TornadoBar) -> str:
    unit = f" {b.unit}" if b.unit and len(b.unit) <= 14 else ""
    return f"{b.parameter}  [{b.low:g}, {b.high:g}]{unit}"
