"""The outcome map as a picture: the regions of a plane of two parameters coloured by the
outcomes of their equilibria, the tipping curves between them, and the baseline point.

Drawn in the projector style of :mod:`model.report.plot_style`; the command line asks for it
through :mod:`model.report.plots`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from model.io import atomic_write
from model.report.plot_style import FIGSIZE, STYLE, figure_bytes, figure_format

if TYPE_CHECKING:
    from model.sensitivity.grid import Axis
    from model.sensitivity.maps import OutcomeMap

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


class _Regions(NamedTuple):
    """The map's regions: the outcome set of each grid cell, the pieces of the cells the
    curves cut, each set's share of the map, the order to hatch them in, and their fills."""

    cell_bits: np.ndarray
    polygons: list[tuple[int, np.ndarray]]
    shares: dict[int, float]
    order: list[int]
    scheme: dict[int, tuple[str, str]]


def map_png(omap: OutcomeMap, *, colours: Mapping[int, tuple[str, str]] | None = None,
            title: str | None = None, fmt: str = "png") -> bytes:
    """The map as a PNG (or SVG): the regions in colour (a legend outside the plot names each
    one and its share of the map), the tipping curves as black lines, the baseline or scenario
    point as a star."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    regions = _regions(omap, colours)
    style = dict(STYLE)
    style.update({"axes.grid": False, "legend.fontsize": 13, "hatch.linewidth": 1.5,
                  "hatch.color": "0.35"})
    with matplotlib.rc_context(cast(Any, style)):
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        _fill_regions(ax, omap, regions)
        _draw_curves(ax, omap)
        inside = _draw_point(ax, omap)
        _map_axes(ax, omap, title)
        _legend(fig, omap, regions, inside)
        return figure_bytes(fig, fmt)


def _regions(omap: OutcomeMap, colours: Mapping[int, tuple[str, str]] | None) -> _Regions:
    """The regions to draw, each with its share of the map and its (colour, hatch)."""
    from model.sensitivity.regions import faces

    shares = omap.shares()
    order = sorted(shares, key=lambda b: (bin(b).count("1"), b))
    scheme = dict(colours or {})
    cell_bits, polygons = faces(omap)
    thin = sorted({b for b, _ in polygons} - set(shares))  # only between grid points
    shares.update({b: 0.0 for b in thin})
    order += thin
    largest_first = sorted(shares, key=lambda b: (-shares[b], b))
    for b, fill in colours_for(omap.outcomes, [*scheme, *largest_first]).items():
        scheme.setdefault(b, fill)
    return _Regions(cell_bits, polygons, shares, order, scheme)


def _fill_regions(ax: Any, omap: OutcomeMap, regions: _Regions) -> None:
    """The regions in their colours, then the hatches over those that have one."""
    from matplotlib.collections import PolyCollection

    from model.sensitivity.regions import runs

    x, y = omap.x, omap.y
    cell_bits, polygons, scheme = regions.cell_bits, regions.polygons, regions.scheme
    # the cells no curve cuts, a run of equal cells of a row as one rectangle, then the
    # cut cells filled up to the curves; edges drawn in the fill colour close the seams
    shapes = runs(x, y, cell_bits) + polygons
    fills = [scheme[b][0] for b, _ in shapes]
    ax.add_collection(PolyCollection([p for _, p in shapes], facecolors=fills,
                                     edgecolors=fills, linewidths=0.8))
    for b in regions.order:  # hatches over the regions that need them
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


def _draw_curves(ax: Any, omap: OutcomeMap) -> None:
    """The tipping curves as black lines on white halos."""
    for colour, width, z in (("white", 6.5, 3.0), ("black", 3.0, 3.1)):  # halos first,
        for c in omap.curves:  # so that none covers a line where curves meet
            ax.plot(c.points[:, 0], c.points[:, 1], color=colour, linewidth=width,
                    solid_capstyle="round", solid_joinstyle="round", zorder=z)


def _draw_point(ax: Any, omap: OutcomeMap) -> bool:
    """The baseline or scenario point as a star, if it lies on the map; whether it does."""
    x, y = omap.x, omap.y
    px, py = omap.point
    inside = x.low <= px <= x.high and y.low <= py <= y.high
    if inside:
        ax.plot([px], [py], marker="*", markersize=30, color="black",
                markeredgecolor="white", markeredgewidth=2.0, linestyle="none", zorder=4)
    return inside


def _map_axes(ax: Any, omap: OutcomeMap, title: str | None) -> None:
    """The axes (log scales in plain numbers), their labels, and the title."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    x, y = omap.x, omap.y
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
    ax.set_xlabel(_axis_label(x), fontsize=15)
    ax.set_ylabel(_axis_label(y), fontsize=15)
    ax.tick_params(labelsize=15)
    setting = _where(omap)
    if omap.fixed:
        setting += ", " + ", ".join(f"{k} = {v:g}" for k, v in omap.fixed.items())
    ax.set_title(title or f"{omap.title}: which outcomes are equilibria\n({setting})",
                 fontsize=16)


def _legend(fig: Any, omap: OutcomeMap, regions: _Regions, inside: bool) -> None:
    """The legend outside the plot: each region and its share, the curves, the point."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.patheffects import Normal, Stroke

    shares = regions.shares
    handles: list[Any] = []
    for b in sorted(regions.order, key=lambda b: -shares[b]):
        colour, hatch = regions.scheme[b]
        handles.append(Patch(facecolor=colour, edgecolor="0.3", hatch=hatch,
                             label=f"{omap.labels[b]}  ({_share(shares[b])})"))
    if omap.curves:
        halo = [Stroke(linewidth=6.5, foreground="white"), Normal()]
        how = "located by bisection" if omap.refined else "at grid-cell edges"
        handles.append(Line2D([], [], color="black", linewidth=3.0, path_effects=halo,
                              label=f"tipping curve ({how})"))
    px, py = omap.point
    star = f"{_where(omap)} ({px:g}, {py:g})" + ("" if inside else ", outside the map")
    handles.append(Line2D([], [], marker="*", markersize=22, color="black",
                          markeredgecolor="white", linestyle="none", label=star))
    fig.legend(handles=handles, loc="outside right upper",
               title="Outcomes of the equilibria\n(share of the map)",
               title_fontsize=13, frameon=False, labelspacing=0.9, handlelength=2.2,
               handleheight=1.4, alignment="left")


def _where(omap: OutcomeMap) -> str:
    """Where the map is drawn: 'scenario NAME' or 'baseline'."""
    return f"scenario {omap.scenario}" if omap.scenario else "baseline"


def plot_map(omap: OutcomeMap, path: str | Path, *,
             colours: Mapping[int, tuple[str, str]] | None = None,
             title: str | None = None) -> None:
    """Write :func:`map_png` to ``path``, atomically: SVG if it ends in .svg, else PNG."""
    atomic_write(path, map_png(omap, colours=colours, title=title, fmt=figure_format(path)))
