"""Safe YAML loading that remembers where every key and value came from.

The file is composed into PyYAML nodes with a ``SafeLoader`` (nothing that builds Python objects),
then turned into plain dicts, lists and scalars while recording the line and column of each key
and value. Duplicate keys, which PyYAML silently accepts, are refused, and so is every tag that is
not plain data (``!!python/...``, ``!!binary``, ``!!set``, local ``!tags``...).

Plain scalars are resolved with the YAML 1.2 core schema (``model.payoffs.core_schema``) rather
than PyYAML's YAML 1.1 one, so ``yes``/``no``/``on``/``off`` and dates stay text.

Limits keep hostile input cheap: only a regular file is read (a FIFO or a device is refused
before it is opened, so nothing blocks), its size is checked before reading (at most 4 MiB), and
the number of values after aliases are expanded ("billion laughs") and the nesting depth are
bounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.errors import PayoffFileError, Problem
from model.limits import PAYOFF_FILE_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_VALUES
from model.payoffs.core_schema import CORE, CoreLoader
from model.payoffs.reading import read_file

PathKey = tuple[str | int, ...]

MAX_BYTES = PAYOFF_FILE_MAX_BYTES
MAX_VALUES = YAML_MAX_VALUES
MAX_DEPTH = YAML_MAX_DEPTH
MAX_MIB = f"{MAX_BYTES // 2**20} MiB"

_ALLOWED_TAGS = {CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "merge")}


class YamlError(PayoffFileError):
    """A file could not be read as YAML data. ``top_keys`` are the keys of its top-level
    mapping when the document could be parsed that far (empty if it is not a mapping), None if
    it could not; ``safe`` says the messages quote nothing from the file. Both let the loader
    decide whether to show the details of a file it was not asked to read (an ``extends``
    base that is perhaps not a payoff file at all)."""

    def __init__(
        self,
        problems: Sequence[Problem],
        top_keys: tuple[str, ...] | None = None,
        safe: bool = False,
    ):
        super().__init__(problems)
        self.top_keys = top_keys
        self.safe = safe

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems, self.top_keys, self.safe))


@dataclass(frozen=True)
class Mark:
    file: str
    line: int
    col: int


@dataclass
class Located:
    """Plain data plus the position of every value (``values``) and mapping key (``keys``).

    ``segments`` maps a text value to where its pieces sit in the source: ``(offset, mark)``
    pairs, one per source line the text was folded from, so that an error at offset k inside a
    formula can be reported at its exact line and column (see ``position``).
    """

    data: Any
    file: str
    values: dict[PathKey, Mark] = field(default_factory=dict)
    keys: dict[PathKey, Mark] = field(default_factory=dict)
    segments: dict[PathKey, tuple[tuple[int, Mark], ...]] = field(default_factory=dict)

    def position(self, path: PathKey, offset: int) -> Mark | None:
        """Source position of character ``offset`` of the text value at ``path``, if known."""
        segs = self.segments.get(path)
        if not segs:
            return None
        start, mark = segs[0]
        for seg_start, seg_mark in segs:
            if seg_start <= offset:
                start, mark = seg_start, seg_mark
        return Mark(mark.file, mark.line, mark.col + max(offset - start, 0))


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


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag


# ------------------------------------------------------------------------------ node -> data
class _Builder:
    def __init__(self, file: str, loader: CoreLoader, text: str):
        self.file = file
        self.loader = loader
        self.text = text
        self.out = Located(data=None, file=file)
        self.problems: list[Problem] = []
        self._depth = 0
        self._count = 0
        self._too_many = False
        self._seen_segments: dict[int, tuple[tuple[int, Mark], ...]] = {}

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.out.values[path] = _mark(self.file, node.start_mark)
        self._depth += 1
        self._count += 1
        try:
            if self._count > MAX_VALUES:
                if not self._too_many:
                    self._too_many = True
                    self._problem(
                        node,
                        path,
                        f"the file holds more than {MAX_VALUES} values once its aliases (*name) "
                        "are expanded",
                    )
                return None
            if self._depth > MAX_DEPTH:
                self._problem(node, path, f"nesting is too deep (more than {MAX_DEPTH} levels)")
                return None
            if node.tag not in _ALLOWED_TAGS:
                self._problem(
                    node,
                    path,
                    f"the tag '{_tag_name(node.tag)}' is not allowed: a payoff file holds plain "
                    "data only (text, numbers, lists and mappings)",
                )
                return None
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.ScalarNode)
            value = self._scalar(node, path)
            if isinstance(value, str):
                # an aliased scalar is met once per alias: map its text only once
                segs = self._seen_segments.get(id(node))
                if segs is None:
                    segs = self._seen_segments[id(node)] = self._segments(node, value)
                if segs:
                    self.out.segments[path] = segs
            return value
        finally:
            self._depth -= 1

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self._problem(node, path, f"cannot read this value: {_short(exc)}")
            return None

    def _segments(self, node: yaml.ScalarNode, value: str) -> tuple[tuple[int, Mark], ...]:
        """Where each source line of a one-line text value starts (see ``Located.segments``).

        YAML folds a plain, quoted or ``>`` scalar written over several lines into one line,
        joining the lines with single spaces; undoing that gives exact positions. Quoted text
        with escapes is mapped approximately (from its first character) if it is on one line.
        """
        if "\n" in value.rstrip("\n"):
            return ()
        sm, em = node.start_mark, node.end_mark
        region = self.text[sm.index : em.index]
        line, col = sm.line, sm.column
        if node.style in ("'", '"'):
            region, col = region[1:-1], col + 1
        elif node.style in ("|", ">"):
            newline = region.find("\n")
            if newline < 0:
                return ()
            region, line, col = region[newline + 1 :], line + 1, 0
        pieces: list[str] = []
        marks: list[Mark] = []
        for k, raw in enumerate(region.split("\n")):
            body = raw.lstrip(" \t")
            piece = body.rstrip(" \t")
            if piece:
                pieces.append(piece)
                first = (col if k == 0 else 0) + len(raw) - len(body)
                marks.append(Mark(self.file, line + k + 1, first + 1))
        if not pieces:
            return ()
        lead = len(value) - len(value.lstrip())
        if " ".join(pieces) != value.strip():
            return ((lead, marks[0]),) if len(pieces) == 1 else ()
        out: list[tuple[int, Mark]] = []
        offset = lead
        for piece, mark in zip(pieces, marks, strict=True):
            out.append((offset, mark))
            offset += len(piece) + 1
        return tuple(out)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        try:
            self.loader.flatten_mapping(node)
        except yaml.YAMLError as exc:
            self._problem(node, path, f"cannot merge this mapping: {_short(exc)}")
            return {}
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "a key must be a plain name, not a list or mapping")
                continue
            if key_node.tag not in _ALLOWED_TAGS:
                self._problem(
                    key_node,
                    path,
                    f"the tag '{_tag_name(key_node.tag)}' is not allowed on a key",
                )
                continue
            key = self._scalar(key_node, path)
            if key is None or isinstance(key, (bool, list, dict)):
                shown = key_node.value or "(empty)"
                self._problem(
                    key_node,
                    path,
                    f"'{shown}' cannot be used as a key (keys are names; quote it if it is one)",
                )
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
                        f"duplicate key '{key}' (first defined at line {seen.line})"
                        + (
                            "; is a '- ' missing to start a new list item?"
                            if path and isinstance(path[-1], int)
                            else ""
                        ),
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


def _children(node: yaml.Node) -> list[tuple[str | int, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[str | int, yaml.Node]] = []
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else "?"
            out += [(name, k), (name, v)]
        return out
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    return []


def _check_aliases(root: yaml.Node, file: str) -> Problem | None:
    """Refuse alias loops and alias bombs before anything is expanded.

    Aliases make the node tree a graph whose expansion can be exponentially larger than the file
    ("billion laughs") or infinite (an alias inside its own anchor). Sizes are counted once per
    distinct node, so this costs time proportional to the file, not to the expansion.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    shared = False  # whether any node is reached twice (through an alias)
    stack: list[tuple[yaml.Node, PathKey, Any]] = [(root, (), iter(_children(root)))]
    on_path.add(id(root))
    while stack:
        node, path, it = stack[-1]
        step = next(it, None)
        if step is None:
            stack.pop()
            on_path.discard(id(node))
            # every 100 characters of text count as one more value, so that an alias repeating
            # a long text is bounded too
            weight = 1 + (len(node.value) // 100 if isinstance(node, yaml.ScalarNode) else 0)
            total = weight + sum(size[id(c)] for _, c in _children(node))
            size[id(node)] = min(total, 10 * MAX_VALUES)
            continue
        part, child = step
        if id(child) in on_path:
            m = _mark(file, child.start_mark)
            return Problem(file, m.line, m.col, field_path((*path, part)),
                           "an alias (*name) refers to a mapping or list that contains it, "
                           "so it would never end")
        if id(child) in size:
            shared = True
        else:
            on_path.add(id(child))
            stack.append((child, (*path, part), iter(_children(child))))
    if size[id(root)] <= MAX_VALUES:
        return None
    # blame the innermost value that is too large by itself
    node, path = root, ()
    while True:
        big = [(part, c) for part, c in _children(node) if size[id(c)] > MAX_VALUES]
        if not big:
            break
        part, node = big[0]
        path = (*path, part)
    m = _mark(file, node.start_mark)
    if not shared:
        return Problem(file, m.line, m.col, field_path(path),
                       f"holds more than {MAX_VALUES} values; a payoff file should be far smaller")
    return Problem(file, m.line, m.col, field_path(path),
                   f"expands to more than {MAX_VALUES} values (or {MAX_VALUES // 10_000} MB of "
                   "text) through its aliases (*name); is this an alias bomb?")


def _short(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    return str(problem) if problem else str(exc).splitlines()[0]


def _syntax_message(exc: yaml.MarkedYAMLError, text: str = "") -> str:
    """A readable message for a YAML syntax error, with hints for the usual slips."""
    problem = (exc.problem or "invalid YAML").strip()
    if "\\t" in problem or "tab character" in problem:
        return "YAML syntax error: a tab character here; use spaces (YAML indents with spaces only)"
    if "another document" in problem:
        return ("YAML syntax error: a second document ('---') starts here; a payoff file is a "
                "single document")
    msg = f"YAML syntax error: {problem}"
    if exc.context and problem.startswith("but "):
        msg = f"YAML syntax error: {exc.context}, {problem}"
    elif exc.context and exc.context_mark is not None and "flow" in exc.context:
        opened = "[" if "sequence" in exc.context else "{"
        msg += f" (is the '{opened}' opened at line {exc.context_mark.line + 1} closed?)"
    elif exc.context and exc.context_mark is not None:
        msg += f" ({exc.context} at line {exc.context_mark.line + 1})"
    elif exc.context:
        msg += f" ({exc.context})"
    if "mapping values are not allowed" in problem:
        m = exc.problem_mark
        lines = text.splitlines()
        line = lines[m.line] if m is not None and m.line < len(lines) else ""
        before = line[: m.column] if m is not None else ""
        if ":" in before.split("#", 1)[0]:
            msg += "; a value that contains ': ' must be quoted"
        else:
            msg += "; check the indentation of this line and of the line above"
    elif "undefined alias" in problem:
        msg += "; a value that starts with '*' must be quoted"
    elif "could not find expected ':'" in problem:
        msg += "; is a key missing its ':' or a value missing its closing quote?"
    elif "found character '%'" in problem or "found character '@'" in problem:
        msg += "; a value starting with this character must be quoted"
    return msg


def load_yaml(path: Path, display: str | None = None) -> Located:
    """Load one YAML file safely, with positions. Raises PayoffFileError on any problem."""
    file = display or str(path)
    return load_yaml_bytes(read_file(path, file), file)


def load_yaml_bytes(raw: bytes, file: str) -> Located:
    """Load the bytes of a YAML file (UTF-8) safely, with positions."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        raise YamlError(
            [Problem(file, line, col, "", f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot "
                     "be decoded (save the file as UTF-8)")]
        ) from None
    return load_yaml_text(text, file)


def _top_keys(root: yaml.Node) -> tuple[str, ...]:
    """The plain keys of a document's top-level mapping (none if it is not a mapping)."""
    if not isinstance(root, yaml.MappingNode):
        return ()
    return tuple(str(k.value) for k, _ in root.value if isinstance(k, yaml.ScalarNode))


def load_yaml_text(text: str, file: str) -> Located:
    """Load YAML text safely, with positions. Raises YamlError on any problem."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        loader = CoreLoader(text)
    except yaml.reader.ReaderError as exc:  # control characters are refused before parsing
        pos = exc.position
        line, col = text[:pos].count("\n") + 1, pos - text.rfind("\n", 0, pos)
        message = f"the character U+{exc.character:04X} is not allowed in a YAML file"
        raise YamlError([Problem(file, line, col, "", message)]) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            m = exc.problem_mark or exc.context_mark
            line, col = (m.line + 1, m.column + 1) if m else (1, 1)
            message = _syntax_message(exc, text)
            raise YamlError([Problem(file, line, col, "", message)]) from None
        except yaml.YAMLError as exc:
            raise YamlError([Problem(file, 1, 1, "", f"YAML error: {_short(exc)}")]) from None
        except RecursionError:
            raise YamlError([Problem(file, 1, 1, "", "YAML nesting is too deep")]) from None
        if root is None:
            raise YamlError([Problem(file, 1, 1, "", "the file is empty")], safe=True)
        keys = _top_keys(root)
        looped = _check_aliases(root, file)
        if looped is not None:
            raise YamlError([looped], top_keys=keys)
        builder = _Builder(file, loader, text)
        try:
            data = builder.build(root, ())
        except RecursionError:
            raise YamlError(
                [Problem(file, 1, 1, "", "YAML nesting is too deep")], top_keys=keys
            ) from None
        if builder.problems:
            raise YamlError(builder.problems, top_keys=keys)
        builder.out.data = data
        return builder.out
    finally:
        loader.dispose()
