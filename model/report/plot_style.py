"""The style every figure shares, sized to be read on a projector: large type, thick lines, a
light grid."""

from __future__ import annotations

from typing import Any

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
