"""The style every figure shares, sized to be read on a projector of 1280 x 720: landscape
12.8 x 7.2 inches at 100 dpi, large type, thick lines, a light grid, and colours that stay
apart with the common forms of colour blindness (Okabe and Ito's palette).

A figure is written as PNG or SVG, by the suffix of the file asked for
(:func:`figure_format`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from model.errors import UsageError

STYLE: dict[str, Any] = {
    "font.size": 15,
    "axes.titlesize": 16,
    "axes.labelsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "lines.linewidth": 3.0,
    "lines.markersize": 8,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "svg.fonttype": "none",  # text stays text in an SVG
}
#: Every figure: landscape, 16:9, 1280 x 720 pixels as a PNG.
WIDTH, HEIGHT = 12.8, 7.2  # inches
FIGSIZE = (WIDTH, HEIGHT)
DPI = 100
PANEL_HEIGHT = 3.6  # inches: a figure of panels has two rows of them

#: Okabe and Ito's colour-blind-safe palette (2008), black left out: orange, sky blue,
#: bluish green, yellow, blue, vermillion, reddish purple.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
STYLE["axes.prop_cycle"] = "cycler('color', [{}])".format(
    ", ".join(f"'{c}'" for c in (OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[2], OKABE_ITO[0],
                                 OKABE_ITO[6], OKABE_ITO[1], OKABE_ITO[3])))
#: The colour of each side's lines and bars, row player first (blue and vermillion).
SIDE_COLOURS = ("#0072B2", "#D55E00")

#: The formats a figure can be written in, by the suffix of its file.
FORMATS = ("png", "svg")


def figure_format(path: str | Path, option: str = "the figure") -> str:
    """'png' or 'svg', from the suffix of ``path``; any other suffix is a usage error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(f"{option} {path}: a figure is written as PNG or SVG, the file must "
                         "end in .png or .svg")
    return suffix


def figure_bytes(fig: Any, fmt: str = "png") -> bytes:
    """The figure as PNG or SVG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"figure format must be one of {FORMATS}, got {fmt!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()
