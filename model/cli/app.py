"""``leverage app [FILE]``: the teaching app in the browser, served on this machine.

Streamlit serves :mod:`model.app.main` on ``localhost``; the page and its charts come from the
installed packages (nothing is fetched from the network, no usage statistics are sent). The
extra ``[app]`` installs Streamlit: ``pip install -e '.[app]'``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from pathlib import Path

from model.cli.common import EXIT_FAIL, EXIT_INPUT, EXIT_OK
from model.errors import UsageError

INSTALL_HINT = "pip install -e '.[app]'"
DEFAULT_PORT = 8501


def _free_port(start: int = DEFAULT_PORT, tries: int = 50) -> int:
    """The first port from ``start`` on which nothing listens on localhost."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise UsageError(f"no free port in {start}-{start + tries - 1}: give one with --port")


def _serving(port: int, timeout: float = 60.0) -> bool:
    """Wait until something listens on ``port`` (at most ``timeout`` seconds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def streamlit_command(script: Path, port: int) -> list[str]:
    """The command that serves ``script``: headless, on ``port``, no telemetry, no file
    watcher, no development mode."""
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true", "--server.port", str(port),
            "--server.address", "localhost", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
            "--client.toolbarMode", "minimal", "--theme.base", "light"]


def _cmd_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("streamlit") is None:
        print(f"leverage app: Streamlit is not installed; install the app's extra: "
              f"{INSTALL_HINT}", file=sys.stderr)
        return EXIT_INPUT
    from model.app.files import default_file

    path = Path(args.file) if args.file else default_file()
    if not path.is_file():
        raise UsageError(f"{path}: no such payoff file")
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError("--port must be between 1 and 65535")
    port = args.port if args.port is not None else _free_port()
    script = Path(__file__).resolve().parents[1] / "app" / "main.py"
    env = {**os.environ, "LEVERAGE_APP_FILE": str(path.resolve()),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    url = f"http://localhost:{port}"
    print(f"leverage app: {path} at {url} (Ctrl-C stops it)", flush=True)
    proc = subprocess.Popen(streamlit_command(script, port), env=env)
    if not args.no_browser:
        threading.Thread(target=lambda: _serving(port) and webbrowser.open(url),
                         daemon=True).start()
    try:
        return EXIT_OK if proc.wait() == 0 else EXIT_FAIL
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="start the teaching app in the browser (needs the [app] "
                       "extra)")
    p.add_argument("file", nargs="?", help="the payoff file it opens on (default: "
                   "payoffs/baseline.yaml)")
    p.add_argument("--port", type=int, help=f"the port to serve on (default: {DEFAULT_PORT} "
                   "or the next free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=_cmd_app)
