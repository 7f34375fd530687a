"""Safe YAML loading that remembers where every key and value came from.

The file is composed into PyYAML nodes with ``SafeLoader`` (no tags that build Python objects),
then turned into plain dicts, lists and scalars while recording the line and column of each key
and value. Duplicate keys, which PyYAML silently accepts, are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import PayoffFileError, Problem

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    file: str
    line: int
    col: int


@dataclass
class Located:
    """Plain data plus the position of every value (``values``) and mapping key (``keys``)."""

    data: Any
    file: str
    values: dict[PathKey, Mark] = field(default_factory=dict)
    keys: dict[PathKey, Mark] = field(default_factory=dict)
    # where each plain/quoted scalar starts, and its style, to place errors inside formulas
    styles: dict[PathKey, str | None] = field(default_factory=dict)


def field_path(path: PathKey) -> str:
    """``('payoffs', 'US', 2, 'value')`` -> ``payoffs.US[2].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _mark(file: str, m: yaml.Mark | None) -> Mark:
    if m is None:
        return Mark(file, 1, 1)
    return Mark(file, m.line + 1, m.column + 1)


class _Builder:
    def __init__(self, file: str, loader: yaml.SafeLoader):
        self.file = file
        self.loader = loader
        self.out = Located(data=None, file=file)
        self.problems: list[Problem] = []
        self._depth = 0
        self._count = 0

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.out.values[path] = _mark(self.file, node.start_mark)
        self._depth += 1
        self._count += 1
        try:
            if self._count > 200_000:
                if self._count == 200_001:
                    self._problem(node, path, "the file expands to too many values (aliases?)")
                return None
            if self._depth > 60:
                self._problem(node, path, "nesting is too deep")
                return None
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.ScalarNode)
            self.out.styles[path] = node.style
            try:
                return self.loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                self._problem(node, path, f"cannot read this value ({_short(exc)})")
                return None
        finally:
            self._depth -= 1

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        try:
            self.loader.flatten_mapping(node)
        except yaml.YAMLError as exc:
            self._problem(node, path, f"cannot merge this mapping ({_short(exc)})")
            return {}
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "a key must be a plain name, not a list or mapping")
                continue
            key = self.loader.construct_object(key_node)
            if key is None or isinstance(key, (bool, list, dict)):
                self._problem(key_node, path, f"'{key_node.value}' cannot be used as a key")
                continue
            key = str(key)
            kmark = _mark(self.file, key_node.start_mark)
            if key in first_seen:
                seen = first_seen[key]
                self.problems.append(
                    Problem(
                        self.file,
                        kmark.line,
                        kmark.col,
                        field_path((*path, key)),
                        f"duplicate key '{key}' (first defined at line {seen.line})",
                    )
                )
                continue
            first_seen[key] = kmark
            self.out.keys[(*path, key)] = kmark
            result[key] = self.build(value_node, (*path, key))
        return result

    def _problem(self, node: yaml.Node, path: PathKey, message: str) -> None:
        m = _mark(self.file, node.start_mark)
        self.problems.append(Problem(self.file, m.line, m.col, field_path(path), message))


def _short(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    return str(problem) if problem else str(exc).splitlines()[0]


def load_yaml(path: Path, display: str | None = None) -> Located:
    """Load one YAML file safely, with positions. Raises PayoffFileError on any problem."""
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PayoffFileError([Problem(file, 1, 1, "", "file not found")]) from None
    except IsADirectoryError:
        raise PayoffFileError([Problem(file, 1, 1, "", "is a directory, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise PayoffFileError(
            [Problem(file, 1, 1, "", f"not UTF-8 text (byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise PayoffFileError([Problem(file, 1, 1, "", f"cannot read: {exc.strerror}")]) from None
    return load_yaml_text(text, file)


def load_yaml_text(text: str, file: str) -> Located:
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            m = exc.problem_mark or exc.context_mark
            line, col = (m.line + 1, m.column + 1) if m else (1, 1)
            what = exc.problem or "invalid YAML"
            if exc.context:
                what = f"{exc.context}, {what}"
            raise PayoffFileError([Problem(file, line, col, "", f"YAML syntax error: {what}")]) from None
        except yaml.YAMLError as exc:
            raise PayoffFileError([Problem(file, 1, 1, "", f"YAML error: {_short(exc)}")]) from None
        except RecursionError:
            raise PayoffFileError([Problem(file, 1, 1, "", "YAML nesting is too deep")]) from None
        if root is None:
            raise PayoffFileError([Problem(file, 1, 1, "", "the file is empty")])
        builder = _Builder(file, loader)
        data = builder.build(root, ())
        if builder.problems:
            raise PayoffFileError(builder.problems)
        builder.out.data = data
        return builder.out
    finally:
        loader.dispose()
