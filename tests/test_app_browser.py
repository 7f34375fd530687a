"""The teaching app in a real browser: ``leverage app`` served as a user starts it, driven in
headless Chromium by Playwright (Debian's ``chromium`` package; no browser is downloaded).

Screenshots are saved under tests/artifacts/ (not kept in git); their paths are printed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from optional import missing

import model

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "payoffs" / "baseline.yaml"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("LEVERAGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TIMEOUT_MS = 30_000
FIRST_LOAD_MS = 90_000  # a cold server imports the model and compiles its solvers first


def _missing() -> str | None:
    import importlib.util

    for name, hint in (("streamlit", "pip install -e '.[app]'"),
                       ("playwright", "pip install -e '.[test]'")):
        if importlib.util.find_spec(name) is None:
            return f"{name} is not installed ({hint})"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


if (_why := _missing()) is not None:
    missing(f"browser tests skipped: {_why}", module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """``leverage app --no-browser --port P`` running for the module's tests."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "model", "app", str(BASELINE), "--no-browser",
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://localhost:{port}"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > end:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"leverage app did not start: {out}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(app_url)
    yield pg
    context.close()


def _shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def _summary(page: Page) -> Any:
    return page.locator("h3").filter(has_text="equilibri").first


def test_the_page_shows_the_baselines_equilibria(page: Page) -> None:
    expect(_summary(page)).to_have_text(
        "3 equilibria: E1 china_concedes, E2 us_concedes, E3 mixed", timeout=FIRST_LOAD_MS)
    expect(page.locator("table.bimatrix")).to_be_visible()
    expect(page.get_by_text("Chips for rare earths, 2025")).to_be_visible()
    assert _shot(page, "app_baseline.png").stat().st_size > 10_000


def test_moving_us_re_dependence_across_its_tipping_point_changes_the_equilibria(
        page: Page) -> None:
    tip = model.tipping_points(model.load(BASELINE), parameter="us_re_dependence")
    (point,) = [t.value for t in tip.tipping_points]  # about 0.75, as leverage tipping says
    expect(_summary(page)).to_contain_text("3 equilibria", timeout=FIRST_LOAD_MS)
    slider = page.get_by_role("slider", name="us_re_dependence (share)")
    slider.focus()
    steps = int((point - float(slider.input_value())) / float(slider.get_attribute("step") or 1))
    for _ in range(max(steps, 0)):  # one step of the slider at a time, up to the point
        page.keyboard.press("ArrowRight")
    for _ in range(5):  # and just past it
        if float(slider.input_value()) > point:
            break
        page.keyboard.press("ArrowRight")
    assert float(slider.input_value()) > point
    expect(_summary(page)).to_have_text("1 equilibrium: E1 us_concedes")
    page.get_by_text("Tipping points", exact=True).click()
    expect(page.get_by_text("Above 0.7500 us_re_dependence").first).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()
    _shot(page, "app_tipping.png")
    page.get_by_role("button", name="Reset to the file's values").click()
    expect(_summary(page)).to_contain_text("3 equilibria")


def test_a_broken_file_shows_the_located_error_and_the_app_keeps_working(page: Page) -> None:
    expect(_summary(page)).to_contain_text("3 equilibria", timeout=FIRST_LOAD_MS)
    page.get_by_text("Edit the file", exact=True).click()
    area = page.locator("textarea")
    text = area.input_value()
    broken = text.replace("  us_re_dependence:\n    value: 0.7\n",
                          "  us_re_dependence:\n    value: lots\n", 1)
    assert broken != text
    area.fill(broken)
    area.press("Control+Enter")
    page.get_by_role("button", name="Check and use this text").click()
    expected = ("payoffs/baseline.yaml:169:12: parameters.us_re_dependence.value: expected a "
                "number, got text 'lots'")
    expect(page.get_by_text(expected)).to_be_visible()
    expect(page.get_by_text("169 |     value: lots")).to_be_visible()
    _shot(page, "app_broken_file.png")
    # the app goes on with the last valid file
    expect(_summary(page)).to_contain_text("3 equilibria")
    page.get_by_text("Bargaining", exact=True).click()
    expect(page.locator(".vega-embed").first).to_be_visible()
    page.get_by_text("Matrix and equilibria", exact=True).click()
    expect(page.locator("table.bimatrix")).to_be_visible()
    expect(_summary(page)).to_have_text(
        "3 equilibria: E1 china_concedes, E2 us_concedes, E3 mixed")
