"""Where a result comes from: the payoff file and its hash, the setting, the method and the
version, as one JSON-ready mapping that every result of the front door carries.

>>> import model
>>> g = model.load("payoffs/textbook/hawk_dove.yaml")
>>> p = record(g, model.Setting(), "support enumeration")
>>> sorted(p)
['file', 'leverage', 'method', 'scenario', 'set', 'sha256', 'tol']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from model._version import __version__
from model.setting import Setting

if TYPE_CHECKING:
    from model.game import Game


def record(game: Game, setting: Setting, method: str, **extra: Any) -> dict[str, Any]:
    """The provenance of a result computed on ``game`` in ``setting`` by ``method``: the file,
    its SHA-256, the scenario, the parameters set (``set``, as on the command line), the
    tolerance, the method and the version of leverage; ``extra`` adds keys."""
    out: dict[str, Any] = {"method": method, "file": str(game.path), "sha256": game.sha256}
    out.update(setting.spec())
    out["leverage"] = __version__
    out.update(extra)
    return out


def merged(result_provenance: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with what a result already records on top (the result knows its own details
    best: a sampler's seed, a design)."""
    return {**base, **result_provenance}
