"""Solutions at many points as a table: one row per point, with the varied parameters, the
number of equilibria, whether they are the extreme points of infinite sets (``continuum``,
at degenerate points such as a tipping point itself), and for each equilibrium (``eq1_``,
``eq2_``...) each player's actions and probabilities, the payoffs and the named outcome;
written to CSV or Parquet in chunks, so that memory stays bounded, and atomically.

The named outcome of an equilibrium is the payoff file's outcome of its profile; for a mixed
equilibrium, the outcome that every profile of its support shares, else ``(mixed)``; a
profile no outcome names is ``(other)``. ``outcomes`` lists the distinct outcomes of a point's
equilibria, joined by ``" + "`` in the order of the file's outcomes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.errors import UsageError
from model.game import Game
from model.sensitivity.points import METHODS, PointSolutions

MIXED = "(mixed)"
OTHER = "(other)"
FORMATS = (".csv", ".parquet")


def column_name(name: str) -> str:
    """A player's name as it appears in column names: spaces and punctuation become ``_``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_") or "player"


def outcome_names(game: Game) -> list[str]:
    """Every label an equilibrium's outcome can take, in a fixed order."""
    return [o.name for o in game.outcomes] + [OTHER, MIXED]


def outcome_codes(game: Game, sol: PointSolutions) -> np.ndarray:
    """Per equilibrium, the index of its outcome in :func:`outcome_names`."""
    m, n = game.shape
    names = outcome_names(game)
    code = np.full((m, n), names.index(OTHER), dtype=np.int64)
    for k in range(len(game.outcomes) - 1, -1, -1):  # the first outcome that holds wins
        code[game.outcomes[k].mask] = k
    E = len(sol.owner)
    out = np.empty(E, dtype=np.int64)
    if E == 0:
        return out
    pure = sol.pure
    i = sol.xs.argmax(axis=1)
    j = sol.ys.argmax(axis=1)
    out[pure] = code[i[pure], j[pure]]
    mixed = np.flatnonzero(~pure)
    if len(mixed):
        # one look per pair of supports, not per equilibrium
        sx, sy = sol.xs[mixed] > 0, sol.ys[mixed] > 0
        both = np.concatenate([sx, sy], axis=1)
        _, first, inverse = _unique_rows(both)
        for u, f in enumerate(first):
            pair = both[f]
            cells = np.unique(code[np.ix_(pair[:m], pair[m:])])
            out[mixed[inverse == u]] = (
                cells[0] if len(cells) == 1 else names.index(MIXED))
    return out


def point_outcomes(game: Game, sol: PointSolutions, codes: np.ndarray | None = None) -> np.ndarray:
    """Per point, a bit mask of the outcomes (indices of :func:`outcome_names`) that its
    equilibria have."""
    if codes is None:
        codes = outcome_codes(game, sol)
    bits = np.zeros(len(sol), dtype=np.int64)
    np.bitwise_or.at(bits, sol.owner, np.left_shift(1, codes))
    return bits


def outcome_set_labels(game: Game, bits: np.ndarray) -> np.ndarray:
    """``" + "``-joined outcome names for each bit mask."""
    names = outcome_names(game)
    out = np.empty(len(bits), dtype=object)
    for b in np.unique(bits):
        label = " + ".join(nm for k, nm in enumerate(names) if b >> k & 1) or "(none)"
        out[bits == b] = label
    return out


def _unique_rows(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of a boolean matrix: (keys, index of a first occurrence, inverse)."""
    if mask.shape[1] <= 62:
        keys = mask @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    else:
        keys = np.array([r.tobytes() for r in mask], dtype=object)
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return uniq, first, inverse.reshape(-1)


def _strategy_texts(labels: tuple[str, ...], S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per strategy (a row of S): the labels of its support and their probabilities, each
    joined by ``"; "``; grouped by support so that the formatting is vectorised."""
    E = S.shape[0]
    act = np.empty(E, dtype=object)
    prob = np.empty(E, dtype=object)
    if E == 0:
        return act, prob
    mask = S > 0
    _, first, inverse = _unique_rows(mask)
    for u, f in enumerate(first):
        sup = mask[f]
        rows = np.flatnonzero(inverse == u)
        cols = np.flatnonzero(sup)
        act[rows] = "; ".join(labels[c] for c in cols)
        if len(cols) == 1:
            prob[rows] = "1"
            continue
        fmt = "; ".join(["%.6g"] * len(cols))
        prob[rows] = [fmt % tuple(r) for r in S[np.ix_(rows, cols)].tolist()]
    return act, prob


def frame(game: Game, points: Mapping[str, np.ndarray], sol: PointSolutions,
          width: int | None = None) -> pd.DataFrame:
    """The table of one batch of points; ``width`` equilibria columns (default: as many as
    the batch needs)."""
    N = len(sol)
    E = len(sol.owner)
    width = int(sol.counts.max(initial=0)) if width is None else width
    names = [column_name(p) for p in game.player_names]
    labels = game.actions
    cols: dict[str, Any] = {k: np.asarray(v, dtype=float) for k, v in points.items()}
    cols["n_equilibria"] = sol.counts.astype(np.int64)
    cols["continuum"] = sol.continuum.astype(bool)
    codes = outcome_codes(game, sol)
    out_names = np.array(outcome_names(game), dtype=object)
    cols["outcomes"] = outcome_set_labels(game, point_outcomes(game, sol, codes))
    cols["complete"] = np.asarray(sol.complete, dtype=bool)
    cols["method"] = np.array(METHODS, dtype=object)[np.asarray(sol.method, dtype=np.int64)]
    starts = np.concatenate([[0], np.cumsum(sol.counts)[:-1]]).astype(np.int64)
    rank = np.arange(E) - starts[sol.owner] if E else np.zeros(0, np.int64)
    act, prob = [], []
    for p, S in ((0, sol.xs), (1, sol.ys)):
        a, q = _strategy_texts(labels[p], S)
        act.append(a)
        prob.append(q)
    for k in range(width):
        sel = rank == k
        at = sol.owner[sel]
        for p in (0, 1):
            a = np.full(N, None, dtype=object)
            a[at] = act[p][sel]
            cols[f"eq{k + 1}_{names[p]}_actions"] = a
            q = np.full(N, None, dtype=object)
            q[at] = prob[p][sel]
            cols[f"eq{k + 1}_{names[p]}_probs"] = q
        for p in (0, 1):
            v = np.full(N, np.nan)
            v[at] = sol.payoffs[sel, p]
            cols[f"eq{k + 1}_{names[p]}_payoff"] = v
        o = np.full(N, None, dtype=object)
        o[at] = out_names[codes[sel]]
        cols[f"eq{k + 1}_outcome"] = o
    df = pd.DataFrame(cols)
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("string")
    return df


def tidy_frame(game: Game, points: Mapping[str, np.ndarray], sol: PointSolutions) -> pd.DataFrame:
    """The equilibria of a batch of points as a tidy table: a row per point, equilibrium,
    player and action played with positive probability, numbers as numbers. ``point``
    numbers the points from 0 and ``equilibrium`` a point's equilibria from 1; the
    parameters' values, the probability, the player's payoff, the equilibrium's outcome and
    how the point was solved come with each row. A point with no equilibrium listed has no
    row (``n_equilibria`` of :func:`frame` says so)."""
    starts = np.concatenate([[0], np.cumsum(sol.counts)[:-1]]).astype(np.int64)
    E = len(sol.owner)
    rank = np.arange(E) - starts[sol.owner] if E else np.zeros(0, np.int64)
    names = game.player_names
    out_names = np.array(outcome_names(game), dtype=object)[outcome_codes(game, sol)]
    methods = np.array(METHODS, dtype=object)[np.asarray(sol.method, dtype=np.int64)]
    parts = []
    for p, S in ((0, sol.xs), (1, sol.ys)):
        e, a = np.nonzero(S > 0)
        k = sol.owner[e]
        cols: dict[str, Any] = {"point": k.astype(np.int64)}
        cols.update({n: np.asarray(v, dtype=float)[k] for n, v in points.items()})
        cols.update({
            "equilibrium": rank[e] + 1, "player": np.full(len(e), names[p], dtype=object),
            "action": a.astype(np.int64),
            "label": np.array(game.actions[p], dtype=object)[a] if len(a) else a.astype(object),
            "probability": S[e, a].astype(float), "payoff": sol.payoffs[e, p].astype(float),
            "outcome": out_names[e], "complete": np.asarray(sol.complete, dtype=bool)[k],
            "continuum": np.asarray(sol.continuum, dtype=bool)[k], "method": methods[k],
            "_player": np.full(len(e), p), "_eq": e})
        parts.append(pd.DataFrame(cols))
    df = pd.concat(parts, ignore_index=True)
    df = df.sort_values(["_eq", "_player", "action"], kind="stable").drop(columns=["_eq",
                                                                                 "_player"])
    df = df.reset_index(drop=True)
    for c in ("player", "label", "outcome", "method"):
        df[c] = df[c].astype("string")
    return df


def check_output(path: str | Path) -> Path:
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise UsageError(f"--out {p}: the file must end in .csv or .parquet")
    if p.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("writing .parquet needs pyarrow: pip install pyarrow") from None
    return p


