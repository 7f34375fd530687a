"""Load a payoff file as a :class:`~model.game.Game`: the payoff language reads, checks and
compiles it (:mod:`model.payoffs`), and the game is checked to give finite payoffs and rule
values at the baseline, each scenario and each end of every parameter's range."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from model.errors import PayoffFileError, Problem
from model.game import Game, NonFiniteError
from model.payoffs.compile import compile_file


def _check_finite_everywhere(game: Game) -> None:
    """Payoffs must be finite at the baseline, each scenario and each range end.

    A payoff is a sum of term values, and a term's value depends on the parameters only, so the
    (points x terms) array of term values says it all without building any matrix: finite terms
    give a finite payoff unless their sum overflows, which cannot happen where the sum of their
    absolute values is below half the largest float. A point that fails either test is built
    in full, which raises the same message a solve would (or passes: a sum that came near the
    limit without reaching it)."""
    points: list[tuple[str, dict[str, float]]] = [("the baseline", game.baseline())]
    for name in game.scenarios:
        points.append((f"scenario '{name}'", game.resolve(scenario=name)))
    for name, p in game.parameters.items():
        for end, v in (("low", p.low), ("high", p.high)):
            values = game.baseline()
            values[name] = v
            points.append((f"{name} at the {end} end of its range", values))
    suspect = _suspect_points(game, [values for _, values in points])
    for k, (label, values) in enumerate(points):
        try:
            if suspect[k]:
                game.matrices(values)
            if game.dynamics is not None:
                from model.rules import rule_values

                rule_values(game, values)
        except NonFiniteError as exc:
            loc, _, field = exc.where.partition(": ")
            file, line, col = _split_loc(loc) if loc else (str(game.path), 1, 1)
            problem = Problem(file, line, col, field, f"{exc.message} ({label})")
            raise PayoffFileError([problem]) from None


def _suspect_points(game: Game, points: list[dict[str, float]]) -> np.ndarray:
    """Which points may give a non-finite payoff: a derived quantity or a term is not finite
    there, or a player's terms could add up beyond the largest float."""
    N = len(points)
    env = {name: np.array([v[name] for v in points], dtype=float) for name in game.parameters}
    bad = np.zeros(N, dtype=bool)
    with np.errstate(all="ignore"):
        for d in game.derived:
            value = np.broadcast_to(d.formula.evaluate(env), (N,))
            bad |= ~np.isfinite(value)
            env[d.name] = value
        values = game.term_values(env, N)  # (N, T)
        bad |= ~np.isfinite(values).all(axis=1)
        size = np.abs(values)
        for player in (0, 1):
            mine = np.array([t.player == player for t in game.terms], dtype=bool)
            bad |= ~(size[:, mine].sum(axis=1) < np.finfo(float).max / 2)
    return bad


def _split_loc(loc: str) -> tuple[str, int, int]:
    file, line, col = loc.rsplit(":", 2)
    return file, int(line), int(col)


def load(path: str | Path, *, include_dirs: Sequence[str | Path] = ()) -> Game:
    """Load, check and compile a payoff file.

    Parameters
    ----------
    path : str or Path
        The payoff file (YAML).
    include_dirs : sequence of str or Path, optional
        Folders where ``extends`` may also find base files, besides the folder of the file
        that names one and the folders below it.

    Returns
    -------
    Game
        The compiled game.

    Raises
    ------
    PayoffFileError
        Listing every problem of the file, each with its file, line, column and field.

    Examples
    --------
    >>> import model
    >>> game = model.load("payoffs/textbook/prisoners_dilemma.yaml")
    >>> game.shape
    (2, 2)
    >>> game.actions[0]
    ('cooperate', 'defect')
    """
    game = Game(**compile_file(path, include_dirs=include_dirs))
    _check_finite_everywhere(game)
    return game


def check(path: str | Path, *, include_dirs: Sequence[str | Path] = ()) -> list[Problem]:
    """Every problem of a payoff file, each located (empty if the file is valid).

    Examples
    --------
    >>> import model
    >>> model.check("payoffs/baseline.yaml")
    []
    """
    try:
        load(path, include_dirs=include_dirs)
    except PayoffFileError as exc:
        return list(exc.problems)
    return []
