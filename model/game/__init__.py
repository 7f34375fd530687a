"""A compiled game: action profiles from chip combinations, payoffs as vectorised formulas.

Each payoff term is a (mask over action profiles, formula) pair. For a batch of N parameter
points, the term values form an (N, T) array and each term is added to the profiles its mask
selects (once per row for a term that depends on the row player's chips only, once per column
for one on the column player's), so a whole grid is built without a Python loop over its
points and a point's payoffs are the same bits whatever batch it is computed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import lcm
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import UsageError, did_you_mean, known
from model.game.cells import COMPILED_CELLS, CellTerms, cell_terms, sum_terms_numpy
from model.limits import EXACT_MAX_BITS, MAX_PAYOFF
from model.payoffs.compiled import (
    DerivedInfo,
    DynamicsInfo,
    ExactMatrix,
    FixedPayoffs,
    OutcomeInfo,
    ParameterInfo,
    PlayerInfo,
    ScenarioInfo,
    TermInfo,
)
from model.payoffs.formula import Formula, InexactError, exact_number
from model.solvers.structure import ChipLayout, ChipLinks


@dataclass(frozen=True)
class Game:
    """A two-player game compiled from a payoff file (or read from a .nfg file: ``fixed``)."""

    path: Path
    title: str
    description: str
    sources: Mapping[str, str]
    players: tuple[PlayerInfo, PlayerInfo]
    parameters: Mapping[str, ParameterInfo]
    scenarios: Mapping[str, ScenarioInfo]
    outcomes: tuple[OutcomeInfo, ...]
    terms: tuple[TermInfo, ...]
    sha256: str
    files: tuple[Path, ...] = field(default=())
    derived: tuple[DerivedInfo, ...] = field(default=())
    dynamics: DynamicsInfo | None = None
    fixed: FixedPayoffs | None = None

    # ------------------------------------------------------------------ shape and labels
    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.players[0].actions), len(self.players[1].actions))

    @property
    def actions(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Readable action labels: (row player's, column player's)."""
        return (self.players[0].labels, self.players[1].labels)

    @cached_property
    def chip_layout(self) -> ChipLayout | None:
        """How the actions are made of chips, for the structure-first solver; None when some
        combination of levels is excluded (the actions are then not a full product)."""
        levels = []
        for p in self.players:
            lv = tuple(len(c.levels) for c in p.chips)
            if p.actions != tuple(itertools.product(*(range(k) for k in lv))):
                return None
            levels.append(lv)
        return ChipLayout(
            names=tuple(tuple(c.name for c in p.chips) for p in self.players),  # type: ignore[arg-type]
            levels=(levels[0], levels[1]),
            level_names=tuple(tuple(c.levels for c in p.chips) for p in self.players),  # type: ignore[arg-type]
        )

    @cached_property
    def chip_parts(self) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
        """Groups of chips (row chips, column chips) that no payoff term links, read off the
        terms' conditions: a term of a player that depends on one of that player's chips
        links every chip it depends on. One group when the game does not separate (or its
        actions are not a full product of chip levels)."""
        layout = self.chip_layout
        if layout is None:
            return ()
        kr, kc = len(layout.levels[0]), len(layout.levels[1])
        if self.fixed is not None:  # payoffs given cell by cell link every chip
            return ((tuple(range(kr)), tuple(range(kc))),)
        shape = layout.levels[0] + layout.levels[1]
        links = ChipLinks(kr, kc)
        for term in self.terms:
            T = term.mask.reshape(shape)
            touched = [ax for ax in range(kr + kc)
                       if shape[ax] > 1 and np.any(np.diff(T, axis=ax))]
            own = range(kr) if term.player == 0 else range(kr, kr + kc)
            if not any(ax in own for ax in touched):
                continue  # changes no best reply of its player
            for ax in touched[1:]:
                links.join(ax, touched[0])
        return tuple((tuple(r), tuple(c)) for r, c in links.groups())

    @property
    def player_names(self) -> tuple[str, str]:
        return (self.players[0].name, self.players[1].name)

    def player_index(self, player: str | int, *, what: str = "player") -> int:
        """0 for the row player, 1 for the column player, from an index (0 or 1), a player's
        name (in any case) or ``row`` / ``col`` / ``column``; UsageError naming ``what`` (the
        role the player is asked for: "player", "leader") otherwise."""
        names = self.player_names
        if isinstance(player, (int, np.integer)) and not isinstance(player, bool):
            if player in (0, 1):
                return int(player)
        elif isinstance(player, str):
            if player in names:
                return names.index(player)
            key = player.strip().lower()
            for k, name in enumerate(names):
                if name.lower() == key:
                    return k
            if key in ("row", "col", "column"):
                return 0 if key == "row" else 1
        raise UsageError(
            f"unknown {what} '{player}'{did_you_mean(str(player), names)} (players of "
            f"{self.path.name}: {names[0]} (or 'row'), {names[1]} (or 'col'))"
        )

    def profile_label(self, i: int, j: int) -> str:
        p, q = self.players
        return f"{p.name}: {p.labels[i]} / {q.name}: {q.labels[j]}"

    # ------------------------------------------------------------------ parameters
    def baseline(self) -> dict[str, float]:
        return {name: p.value for name, p in self.parameters.items()}

    def resolve(
        self,
        params: Mapping[str, float] | None = None,
        scenario: str | None = None,
    ) -> dict[str, float]:
        """Baseline values, changed by the scenario, then by ``params``. Unknown names raise."""
        values = self.baseline()
        if scenario is not None:
            values.update(self.scenario(scenario).changes)
        for name, value in (params or {}).items():
            self._check_name(name)
            values[name] = _number(name, value)
        return values

    def scenario(self, name: str) -> ScenarioInfo:
        if name not in self.scenarios:
            raise UsageError(
                f"unknown scenario '{name}'{did_you_mean(name, self.scenarios)} "
                f"(scenarios of {self.path.name}: {known(self.scenarios)})"
            )
        return self.scenarios[name]

    def _check_name(self, name: str) -> None:
        if name not in self.parameters:
            raise UsageError(
                f"unknown parameter '{name}'{did_you_mean(name, self.parameters)} "
                f"(parameters of {self.path.name}: {known(self.parameters)})"
            )

    # ------------------------------------------------------------------ matrices
    def matrices(
        self,
        params: Mapping[str, float] | None = None,
        scenario: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Payoff matrices (A, B) of shape (m, n) at one parameter point."""
        values = self.resolve(params, scenario)
        A, B = self.matrices_batch({k: np.array([v]) for k, v in values.items()})
        return A[0], B[0]

    def matrices_batch(
        self,
        params: Mapping[str, Sequence[float] | np.ndarray],
        scenario: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Payoff matrices for N parameter points at once: (A, B), each of shape (N, m, n).

        ``params`` maps parameter names to arrays of length N (or scalars); parameters not
        given take their baseline (or scenario) value. Raises UsageError if a payoff is not
        finite at some point, naming the term, the profile and the point.
        """
        base = self.resolve(None, scenario)
        arrays: dict[str, np.ndarray] = {}
        n_points = None
        for name, value in params.items():
            self._check_name(name)
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise UsageError(f"parameter '{name}': expected numbers, got {value!r}") from None
            bad = ~np.isfinite(arr)
            if bad.any():
                where = "" if arr.ndim == 0 else f" at index {int(np.argwhere(bad)[0][0])}"
                raise UsageError(f"parameter '{name}': values must be finite, got "
                                 f"{float(arr[bad].flat[0])}{where}")
            if arr.ndim > 1:
                raise UsageError(f"parameter '{name}': expected a 1-D array, got shape {arr.shape}")
            if arr.ndim == 1:
                if n_points is not None and arr.shape[0] != n_points:
                    raise UsageError(
                        f"parameter arrays differ in length ({n_points} and {arr.shape[0]})"
                    )
                n_points = arr.shape[0]
            arrays[name] = arr
        N = 1 if n_points is None else n_points
        env: dict[str, np.ndarray] = {}
        for name, v in base.items():
            env[name] = np.broadcast_to(arrays.get(name, np.asarray(v)), (N,))
        self._derive(env, N)
        m, n = self.shape
        values = self.term_values(env, N)
        # Each cell is a fixed sequence of additions (its row's terms, its column's, its
        # own: see model._assemble): an elementwise sum whose rounding is that of the point
        # alone, not of how many points share the batch (a matrix product's blocking depends
        # on the batch size, and so do the last digits of what it returns).
        compiled = N * m * n >= COMPILED_CELLS
        values_t = np.ascontiguousarray(values.T) if compiled else values
        A = np.empty((N, m * n))
        B = np.empty((N, m * n))
        ok = True
        with np.errstate(all="ignore"):  # non-finite sums are reported just below
            for (rs, rt, cs, ct, s, t, first), out in zip(self._cell_terms, (A, B),
                                                          strict=True):
                if compiled:  # a large batch: worth the compiler's start-up
                    from model._assemble import BLOCK, sum_terms

                    ok &= sum_terms(values_t, rs, rt, cs, ct, s, t, first, n, out, BLOCK,
                                    MAX_PAYOFF)
                else:
                    sum_terms_numpy(values, rs, rt, cs, ct, s, t, first, m, n, out)
                    ok &= bool(np.all(np.abs(out) <= MAX_PAYOFF))
        A3, B3 = A.reshape(N, m, n), B.reshape(N, m, n)
        if not ok:
            self._check_finite(values, A3, B3, env)
        return A3, B3

    def payoffs_surely_finite(self, params: Mapping[str, float]) -> bool:
        """Whether every payoff at this parameter point is finite, told from the terms alone
        (without building the matrices): every term is finite and, for each player, the
        terms' magnitudes add up to far less than the largest float. False means only that
        the matrices must be built to know (and to say what is wrong)."""
        try:
            env = {k: np.array([float(v)]) for k, v in self.resolve(params).items()}
            with np.errstate(all="ignore"):
                self._derive(env, 1)
                values = self.term_values(env, 1)[0]
        except Exception:  # the matrices will report it
            return False
        if not np.all(np.isfinite(values)):
            return False
        players = np.array([term.player for term in self.terms], dtype=np.int64)
        with np.errstate(over="ignore"):
            return all(float(np.abs(values[players == p]).sum()) < MAX_PAYOFF for p in (0, 1))

    def exact_matrices(
        self,
        params: Mapping[str, float] | None = None,
        scenario: str | None = None,
    ) -> tuple[ExactMatrix, ExactMatrix]:
        """The payoff matrices (A, B) at one parameter point in rational arithmetic.

        Parameter values are read as the decimals they are written as
        (:func:`~model.payoffs.formula.exact_number`) and the formulas evaluated exactly
        (``Formula.exact``). Raises :class:`~model.payoffs.formula.InexactError`,
        whose message starts with the place in the file, when some payoff has no exact value
        here or a player's payoffs need a common denominator of more than ``EXACT_MAX_BITS``
        bits; the exact solver then rounds the float payoffs to a grid instead.
        """
        values = self.resolve(params, scenario)
        env: dict[str, Fraction] = {k: exact_number(v) for k, v in values.items()}
        why: dict[str, str] = {}  # derived quantity -> why it has no exact value

        def reason(where: str, exc: InexactError) -> str:
            if exc.name in why:  # the first cause, where a derived quantity became inexact
                return why[exc.name]
            return f"{where}: {exc.message}" if where else exc.message

        for d in self.derived:
            try:
                env[d.name] = d.formula.exact(env)
            except InexactError as exc:
                why[d.name] = reason(d.where, exc)
        m, n = self.shape
        zero = Fraction(0)
        cells: list[list[Fraction]] = [[zero] * (m * n), [zero] * (m * n)]
        if self.fixed is not None:
            cells = [[v for row in M for v in row]
                     for M in (self.fixed.A_exact, self.fixed.B_exact)]
        for term in self.terms:
            try:
                value = term.formula.exact(env)
            except InexactError as exc:
                raise InexactError(reason(term.where, exc)) from None
            if not value:
                continue
            out = cells[term.player]
            for c in np.flatnonzero(term.mask.reshape(-1)).tolist():
                out[c] += value
                if out[c].denominator.bit_length() > EXACT_MAX_BITS:
                    raise InexactError(f"{term.where}: the exact payoff of "
                                       f"{self.players[term.player].name} here needs a "
                                       f"denominator of more than {EXACT_MAX_BITS} bits")
        for player, flat in enumerate(cells):
            common = lcm(*(v.denominator for v in flat))
            if common.bit_length() > EXACT_MAX_BITS:
                raise InexactError(f"the exact payoffs of {self.players[player].name} need a "
                                   f"common denominator of more than {EXACT_MAX_BITS} bits")
        A, B = (tuple(tuple(flat[i * n : (i + 1) * n]) for i in range(m)) for flat in cells)
        return A, B

    def _derive(self, env: dict[str, np.ndarray], N: int) -> None:
        """Add the derived quantities to ``env``, in order, refusing non-finite values."""
        for d in self.derived:
            value = np.broadcast_to(d.formula.evaluate(env), (N,))
            bad = ~np.isfinite(value)
            if bad.any():
                point = int(np.flatnonzero(bad)[0])
                raise NonFiniteError(
                    d.where,
                    f"derived quantity '{d.name}' yields {value[point]} with "
                    f"{_describe_point(env, point, d.formula)}",
                )
            env[d.name] = value

    def environment(self, values: Mapping[str, Any], N: int) -> dict[str, np.ndarray]:
        """Every parameter and derived quantity at N points, as arrays of length N: ``values``
        maps each parameter to its N values (or one value for all)."""
        env = {k: np.broadcast_to(np.asarray(v, dtype=float), (N,)) for k, v in values.items()}
        self._derive(env, N)
        return env

    def derived_values(
        self, params: Mapping[str, float] | None = None, scenario: str | None = None
    ) -> dict[str, float]:
        """The derived quantities at one parameter point."""
        env = {k: np.array([v]) for k, v in self.resolve(params, scenario).items()}
        self._derive(env, 1)
        return {d.name: float(env[d.name][0]) for d in self.derived}

    @cached_property
    def _cell_terms(self) -> tuple[CellTerms, ...]:
        """Per player, the terms for :func:`~model._assemble.sum_terms`
        (:func:`~model.game.cells.cell_terms`)."""
        m, n = self.shape
        return cell_terms(self.terms, self.fixed, m, n)

    def term_values(self, env: Mapping[str, np.ndarray], N: int) -> np.ndarray:
        """The (N, T) values of every term at N parameter points."""
        out = np.empty((N, len(self.terms)))
        for t, term in enumerate(self.terms):
            out[:, t] = np.broadcast_to(term.formula.evaluate(env), (N,))
        return out

    def _check_finite(
        self, values: np.ndarray, A: np.ndarray, B: np.ndarray, env: Mapping[str, np.ndarray]
    ) -> None:
        bad_terms = ~np.isfinite(values)
        if bad_terms.any():
            for t in np.flatnonzero(bad_terms.any(axis=0)):
                term = self.terms[t]
                if not term.mask.any():
                    continue
                point = int(np.flatnonzero(bad_terms[:, t])[0])
                i, j = (int(k) for k in np.argwhere(term.mask)[0])
                raise NonFiniteError(
                    term.where,
                    f"yields {values[point, t]} at profile ({self.profile_label(i, j)})"
                    f" with {_describe_point(env, point, term.formula)}",
                )
        for player, M in ((0, A), (1, B)):
            with np.errstate(invalid="ignore"):
                bad = ~(np.abs(M) <= MAX_PAYOFF)  # NaN included
            if not bad.any():
                continue
            point, i, j = (int(k) for k in np.argwhere(bad)[0])
            # blame the largest term that applies at this profile
            here = [t for t, term in enumerate(self.terms)
                    if term.player == player and term.mask[i, j]]
            biggest = max(here, key=lambda t: abs(values[point, t]), default=None)
            where = self.terms[biggest].where if biggest is not None else ""
            value = M[point, i, j]
            if not np.isfinite(value):
                raise NonFiniteError(
                    where,
                    f"the payoff of {self.players[player].name} at profile "
                    f"({self.profile_label(i, j)}) is too large: the terms that apply there "
                    f"add up to {value}",
                )
            formula = self.terms[biggest].formula if biggest is not None else None
            at = "" if formula is None else _describe_point(env, point, formula)
            at = "" if at == "any parameters" else f" with {at}"
            raise NonFiniteError(
                where,
                f"the payoff of {self.players[player].name} at profile "
                f"({self.profile_label(i, j)}) is {value:.4g}{at}, beyond the "
                f"largest magnitude a payoff may have ({MAX_PAYOFF:g}, so that sums and "
                "products of payoffs stay finite): rescale the payoffs (a common factor "
                "changes no equilibrium)",
            )

    # ------------------------------------------------------------------ outcomes
    def outcome_of(self, i: int, j: int) -> str | None:
        """Name of the first outcome whose condition holds at profile (i, j), or None."""
        for o in self.outcomes:
            if o.mask[i, j]:
                return o.name
        return None

    def outcome_probabilities(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Probability of each named outcome (and None as "other") under mixed strategies."""
        joint = np.outer(x, y)
        probs: dict[str, float] = {}
        rest = np.ones_like(joint, dtype=bool)
        for o in self.outcomes:
            here = o.mask & rest
            p = float(joint[here].sum())
            if p > 0:
                probs[o.name] = p
            rest &= ~o.mask
        other = float(joint[rest].sum())
        if other > 0:
            probs["(other)"] = other
        return probs

    def describe(self) -> dict[str, Any]:
        """A short summary, for reports."""
        return {
            "title": self.title,
            "shape": self.shape,
            "players": self.player_names,
            "parameters": len(self.parameters),
            "scenarios": list(self.scenarios),
            "outcomes": [o.name for o in self.outcomes],
        }


class NonFiniteError(UsageError):
    """A payoff is NaN or infinite; ``where`` is the file position of the term (may be empty)."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self) -> tuple[Any, ...]:  # so that worker processes can send it back
        return (type(self), (self.where, self.message))


def _number(name: str, value: Any) -> float:
    """A parameter value given through the API, as a finite float (UsageError otherwise)."""
    if isinstance(value, bool):
        raise UsageError(f"parameter '{name}': expected a number, got {value}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"parameter '{name}': expected a number, got {value!r}") from None
    if not np.isfinite(v):
        raise UsageError(f"parameter '{name}': value must be finite, got {value}")
    return v


def _describe_point(env: Mapping[str, np.ndarray], point: int, formula: Formula) -> str:
    used = sorted({name for name, _ in formula.names()})
    if not used:
        return "any parameters"
    return ", ".join(f"{name}={float(env[name][point]):g}" for name in used)
