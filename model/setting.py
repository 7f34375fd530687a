"""Where a game is played and how it is solved: one setting for every computation.

>>> from model.setting import Setting
>>> Setting("oct_2025", {"trace_leakage": 0.2}).describe()
'scenario oct_2025, trace_leakage=0.2'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Setting:
    """A scenario of the payoff file (None: the baseline), parameter values set on top of it
    (``params``, as ``--set`` on the command line), the solvers' regret tolerance, and, for
    runs over many points, whether to stop at the first point whose list of equilibria is not
    complete (``strict``)."""

    scenario: str | None = None
    params: Mapping[str, float] = field(default_factory=dict)
    tol: float = 1e-9
    strict: bool = False

    def describe(self) -> str:
        """The setting in words: the scenario, then the parameters set."""
        parts = [f"scenario {self.scenario}" if self.scenario else "the baseline"]
        parts += [f"{k}={v:g}" for k, v in self.params.items()]
        return ", ".join(parts)

    def spec(self) -> dict[str, Any]:
        """The setting as JSON (in provenance and checkpoint keys; ``set`` as on the
        command line)."""
        out: dict[str, Any] = {"scenario": self.scenario, "set": dict(sorted(self.params.items())),
                               "tol": self.tol}
        if self.strict:
            out["strict"] = True
        return out
