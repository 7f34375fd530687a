"""MkDocs hook: the pages made from the project itself at build time, so they cannot go stale.

- ``reference/payoff-file.md``: the payoff-file format, from the JSON Schema that
  ``leverage schema`` prints (:func:`model.payoffs.spec.json_schema_text`);
- ``background/sources.md``: the sources the baseline game cites, from payoffs/baseline.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PAGE = "reference/payoff-file.md"
SOURCES_PAGE = "background/sources.md"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _type(node: dict[str, Any]) -> str:
    """A schema node's type in words: ``string``, ``list of Term``, ``Chip or null``..."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    for key in ("anyOf", "oneOf"):
        if key in node:
            return " or ".join(dict.fromkeys(_type(n) for n in node[key]))
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        items = node.get("items")
        if isinstance(items, list):
            return "list of [" + ", ".join(_type(n) for n in items) + "]"
        return f"list of {_type(items)}" if items else "list"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"mapping of name to {_type(node['additionalProperties'])}"
    if kind == "object" and node.get("patternProperties"):
        values = " or ".join(dict.fromkeys(_type(n) for n in node["patternProperties"].values()))
        return f"mapping of name to {values}"
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    return kind or "number or formula"


def _constraints(node: dict[str, Any]) -> str:
    shown = []
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems",
                "maxItems", "minLength", "maxLength", "pattern"):
        if key in node:
            shown.append(f"{key} `{node[key]}`")
    if "default" in node and node["default"] is not None:
        shown.append(f"default `{json.dumps(node['default'])}`")
    return "; ".join(shown)


def _table(node: dict[str, Any]) -> list[str]:
    props = node.get("properties", {})
    if not props:
        return [f"Type: {_type(node)}.", ""]
    required = set(node.get("required", []))
    rows = ["| key | type | required | what |", "|---|---|---|---|"]
    for key, prop in props.items():
        what = _cell(prop.get("description", ""))
        extra = _constraints(prop)
        if extra:
            what = f"{what} ({extra})" if what else extra
        rows.append(f"| `{key}` | {_type(prop)} | {'yes' if key in required else 'no'} "
                    f"| {what} |")
    if node.get("additionalProperties") is False:
        rows += ["", "No other keys are accepted."]
    return [*rows, ""]


def schema_markdown(schema: dict[str, Any]) -> str:
    """The reference page for a payoff-file JSON Schema."""
    lines = [
        "# Payoff-file reference",
        "",
        "This page is generated when the site is built, from the JSON Schema that "
        "`leverage schema` prints (the copy shipped for editors is `payoffs/schema.json`). "
        "How to use the fields, with examples, is in `payoffs/README.md` and the how-to pages.",
        "",
        "## The file",
        "",
        _cell(schema.get("description", "")),
        "",
        *_table(schema),
    ]
    for name, node in sorted(schema.get("$defs", {}).items()):
        lines += [f"## {name}", ""]
        if node.get("description"):
            lines += [_cell(node["description"]), ""]
        lines += _table(node)
    return "\n".join(lines)


def sources_markdown(path: Path) -> str:
    """The sources a payoff file cites, one entry per key."""
    import model

    game = model.load(path)
    lines = [
        "# The baseline's sources",
        "",
        f"Every parameter and scenario of `{path.relative_to(ROOT)}` cites one of these "
        f"{len(game.sources)} keys (generated from the file when the site is built). What the "
        "unpublished ones say (the seed documents, the textbook answers) is kept in "
        "`payoffs/SOURCES.md`.",
        "",
        "| key | source |",
        "|---|---|",
    ]
    lines += [f"| `{key}` | {_cell(text)} |" for key, text in game.sources.items()]
    return "\n".join([*lines, ""])


def pages() -> dict[str, str]:
    """Every generated page: path under docs/ -> Markdown."""
    from model.payoffs.spec import json_schema_text

    return {
        SCHEMA_PAGE: schema_markdown(json.loads(json_schema_text())),
        SOURCES_PAGE: sources_markdown(ROOT / "payoffs" / "baseline.yaml"),
    }


def on_files(files, config):  # MkDocs event
    from mkdocs.structure.files import File

    for uri, content in pages().items():
        files.append(File.generated(config, uri, content=content))
    return files
