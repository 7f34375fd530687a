"""Every figure is landscape (1280 x 720 as a PNG), drawn in a colour-blind-safe palette, and
written as PNG or SVG by the suffix of its file; any other suffix is refused."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from model.cli.main import main
from model.report import plot_style

BASE = "payoffs/baseline.yaml"

FIGURES = {
    "simulate": ["simulate", BASE, "--periods", "4", "--plot", "{f}"],
    "compare": ["simulate", BASE, "--periods", "4", "--force", "China=rare_earths=restricted",
                "--compare-lengths", "0,2", "--plot", "{f}"],
    "tornado": ["robustness", BASE, "--samples", "10", "--seed", "1", "--workers", "1",
                "--tornado", "{f}"],
    "map": ["map", BASE, "--vary", "us_re_dependence=0.5:0.95:3", "--vary",
            "years_us_magnet_substitution=2:8:3", "--workers", "1", "--out", "{f}"],
}


def _run(argv: list[str], path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code = main([a.replace("{f}", str(path)) for a in argv])
    capsys.readouterr()
    return code


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_as_png_and_svg(name: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
    assert _run(FIGURES[name], png, capsys) == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 720)
    assert _run(FIGURES[name], svg, capsys) == 0
    head = svg.read_text()[:200].lstrip()
    assert head.startswith(("<?xml", "<svg"))
    assert "<svg" in svg.read_text()


@pytest.mark.parametrize("name", list(FIGURES))
def test_other_suffix_refused(name: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{name}.jpg"
    code = main([a.replace("{f}", str(path)) for a in FIGURES[name]])
    err = capsys.readouterr().err
    assert code == 2
    assert ".png or .svg" in err
    assert not path.exists()


def test_palette_is_okabe_ito() -> None:
    assert plot_style.OKABE_ITO == ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                                    "#D55E00", "#CC79A7")
    assert set(plot_style.SIDE_COLOURS) <= set(plot_style.OKABE_ITO)
    assert "tab10" not in Path(plot_style.__file__).with_name("plots.py").read_text()
    assert plot_style.FIGSIZE[0] > plot_style.FIGSIZE[1]
    assert (plot_style.FIGSIZE[0] * plot_style.DPI, plot_style.FIGSIZE[1] * plot_style.DPI) \
        == (1280, 720)
