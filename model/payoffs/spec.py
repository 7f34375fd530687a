"""The payoff-file format, as pydantic models (unknown keys refused everywhere).

This module only describes the shape of a file. Checks that need the whole file (names used in
conditions and formulas, sources, ranges) live in ``model.payoffs.checks``, which has the positions.
``when`` conditions and formula values are typed loosely here and checked there, so that each
mistake gets one precise message instead of a cascade of union errors.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

NAME = r"^[A-Za-z][A-Za-z0-9_]*$"
LEVEL = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"
PLAYER = r"^[A-Za-z][A-Za-z0-9_\-]*$"

Name = Annotated[str, StringConstraints(pattern=NAME, max_length=64)]
LevelName = Annotated[str, StringConstraints(pattern=LEVEL, max_length=64)]
PlayerName = Annotated[str, StringConstraints(pattern=PLAYER, max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]

CONDITION_DOC = (
    "Conditions on chips of either player: a mapping chip -> level (or a list of levels, any "
    "of which matches); all entries of a mapping must hold. A list of mappings means any of them."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


OVERRIDE_DOC = (
    "In a file that extends another: true to change the base's entry of this name (each key "
    "given replaces the base entry's, the others are kept). Reusing a base name without it is "
    "an error, and so is override: true where the base has no entry of this name."
)


def _override() -> Any:
    return Field(default=False, description=OVERRIDE_DOC)


class Chip(_Strict):
    """A bargaining chip: one lever a player can set to one of its levels."""

    description: Text
    levels: Annotated[list[LevelName], Field(min_length=2)]
    status_quo: LevelName | None = Field(
        default=None, description="The level in force before the negotiation."
    )
    override: bool = _override()


class Player(_Strict):
    name: PlayerName = Field(
        description="In a file that extends another: the name of the base player this entry "
        "changes (its chips merge by name, its exclude list is added to the base's)."
    )
    description: str = ""
    chips: Annotated[dict[Name, Chip], Field(min_length=1)]
    exclude: list[Any] = Field(
        default_factory=list,
        description="Combinations of this player's chip levels that cannot happen. "
        + CONDITION_DOC,
    )


# distributions named without a parameter; the normal one is written {normal: SD}
DISTRIBUTION_NAMES = ("uniform", "triangular", "loguniform")
DISTRIBUTIONS = ("uniform", "triangular", "normal", "loguniform")


class Normal(_Strict):
    """A normal distribution with mean the parameter's value, truncated to its range."""

    normal: Annotated[FiniteFloat, Field(gt=0)] = Field(
        description="The standard deviation, in the parameter's unit (greater than 0)."
    )


def _distribution_form(raw: Any) -> str | None:
    """Which form of ``distribution`` a value is written in: a name, or ``{normal: SD}``."""
    if isinstance(raw, str):
        return "name"
    if isinstance(raw, dict):
        return "normal"
    return None


Distribution = Annotated[
    Annotated[Literal["uniform", "triangular", "loguniform"], Tag("name")]
    | Annotated[Normal, Tag("normal")],
    Discriminator(
        _distribution_form,
        custom_error_type="distribution_form",
        custom_error_message="expected a distribution name or {normal: SD}",
    ),
]


class Parameter(_Strict):
    value: FiniteFloat
    unit: Text
    source: Name = Field(description="A key of `sources`.")
    description: Text
    range: Annotated[list[FiniteFloat], Field(min_length=2, max_length=2)] = Field(
        description="[low, high]: the plausible range, used by sweeps."
    )
    distribution: Distribution = Field(
        default="uniform",
        description="What Monte Carlo robustness analysis draws the parameter from: 'uniform' "
        "over the range (the default), 'triangular' over the range with its mode at the value, "
        "'loguniform' over the range (needs low > 0), or {normal: SD}: normal with mean the "
        "value and standard deviation SD, truncated to the range.",
    )
    override: bool = _override()


class Derived(_Strict):
    """A named quantity computed from parameters (and from derived quantities listed above it),
    usable in payoff formulas like a parameter. It is not a parameter: scenarios, ``--set`` and
    sweeps move the parameters it is made of."""

    description: Text
    unit: str = ""
    value: Any = Field(description="A formula over parameters and earlier derived quantities.")
    override: bool = _override()


class Term(_Strict):
    """One payoff term: ``value`` is added to the player's payoff where ``when`` holds."""

    name: Name | None = Field(
        default=None,
        description="Optional but advised: a file that extends this one can change a named term "
        "(with override: true).",
    )
    description: str = ""
    when: Any = Field(default=None, description=CONDITION_DOC + " Absent: every profile.")
    value: Any = Field(description="A number or a formula over parameters (text).")
    override: bool = _override()


class Scenario(_Strict):
    """A named leverage assumption: a change to the baseline parameters."""

    description: Text
    source: Name
    set: Annotated[dict[Name, FiniteFloat], Field(min_length=1)]
    override: bool = _override()


class Outcome(_Strict):
    description: str = ""
    when: Any = Field(description=CONDITION_DOC)
    override: bool = _override()


class Period(_Strict):
    """How long one period of a simulation is; rule changes are per period."""

    length: Annotated[FiniteFloat, Field(gt=0)] = 1.0
    unit: Text = "year"


class Rule(_Strict):
    """How one parameter moves per period, where ``when`` holds. Give either ``change`` (added
    each period) or ``target`` and ``rate`` (the parameter moves the share ``rate`` of the way to
    ``target`` each period). Values are kept inside the parameter's range."""

    parameter: Name = Field(description="The parameter this rule moves.")
    description: Text
    source: Name = Field(description="A key of `sources`.")
    when: Any = Field(
        default=None, description=CONDITION_DOC + " Absent: every period, whatever is played."
    )
    change: Any = Field(
        default=None,
        description="A number or a formula over parameters and derived quantities: added to the "
        "parameter each period the condition holds.",
    )
    target: Any = Field(
        default=None, description="With `rate`: the value the parameter moves toward (formula)."
    )
    rate: Any = Field(
        default=None,
        description="With `target`: the share of the distance to the target covered per period, "
        "between 0 and 1 (formula).",
    )


class Dynamics(_Strict):
    """How parameters change from period to period, depending on the actions played."""

    period: Period = Field(default_factory=Period)
    discount: Any = Field(
        default=None,
        description="Discount factor per period (a number or formula, between 0 and 1) for "
        "cumulative payoffs. Absent: 1 (no discounting).",
    )
    payoff_unit: str = Field(
        default="",
        description="The unit of the payoffs, for tables and plots (for example "
        "'bn USD per year').",
    )
    rules: Annotated[list[Rule], Field(min_length=1)]
    grid: dict[Name, Annotated[int, Field(ge=2)]] = Field(
        default_factory=dict,
        description="The state grid of `leverage dynamic`: for each parameter a rule moves, the "
        "number of evenly spaced points across its range (at least 2). The states are every "
        "combination of these points; a value between points counts as a lottery over the "
        "points around it.",
    )


class GameSpec(_Strict):
    """One two-player game (row player first)."""

    title: Text
    description: Text
    extends: str | None = Field(
        default=None,
        description="Path (relative to this file) of a payoff file to start from. It must lie in "
        "this file's folder or a folder below it, or in a folder given with --include-dir. "
        "Players merge by name, chips, terms, parameters, derived quantities, scenarios and "
        "outcomes by name (override: true to change a base entry), sources by key.",
    )
    sources: dict[Name, Text] = Field(default_factory=dict)
    players: list[Player]
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    derived: dict[Name, Derived] = Field(
        default_factory=dict,
        description="Named formulas over parameters, in order; each may use those above it.",
    )
    payoffs: dict[str, list[Term]] | None = Field(
        default=None, description="For each player (by name), its payoff terms."
    )
    matrices: dict[str, list[list[Any]]] | None = Field(
        default=None,
        description="Instead of `payoffs`: for each player (by name), a literal payoff matrix "
        "(rows: the row player's actions) of numbers or formulas.",
    )
    scenarios: dict[Name, Scenario] = Field(default_factory=dict)
    outcomes: dict[Name, Outcome] = Field(default_factory=dict)
    dynamics: Dynamics | None = Field(
        default=None,
        description="How parameters change per period with the actions played (for simulations).",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the payoff-file format (for editors and ``leverage schema``)."""
    schema = GameSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "leverage payoff file"
    return schema


def json_schema_text() -> str:
    from model.io import dumps_json

    return dumps_json(json_schema(), indent=2, sort_keys=True) + "\n"


def distribution_of(p: Parameter) -> tuple[str, float | None]:
    """A parameter's distribution as (name, standard deviation or None)."""
    if isinstance(p.distribution, Normal):
        return "normal", p.distribution.normal
    return p.distribution, None
