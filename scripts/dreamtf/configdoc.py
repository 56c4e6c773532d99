"""The configuration reference page, generated from the workflow's schema.

``schemas/config.schema.yaml`` holds every setting's default and meaning; this module
turns it into ``docs/configuration.md`` (one section per top-level key, one table row
per setting: key, type and allowed values, default, description). After changing the
schema, regenerate the page::

    python -m dreamtf.configdoc [OUT]

``tests/test_configdoc.py`` fails while the page is stale.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from .config import SCHEMA_PATH, schema

__all__ = ["DOC_PATH", "render", "settings", "write"]

#: where the page lives in the repository
DOC_PATH = SCHEMA_PATH.parents[1] / "docs" / "configuration.md"

INTRO = """\
<!-- Generated from schemas/config.schema.yaml by `python -m dreamtf.configdoc`; edit the schema, not this page. -->

# Configuration

The workflow reads one configuration file. Without options that is `config.yaml`, the
demo: its TFs and the few settings where it departs from the defaults, each with the
reason. `snakemake --configfile my.yaml` reads `my.yaml` instead (Snakemake 9 replaces
`config.yaml` with it rather than merging the two), and `--config KEY=VALUE` sets one
top-level key for a run, e.g. `--config models='[baseline, catchitt, factornet]'`
(Snakemake passes the values inside a section as text, so nested settings belong in a
file). Whichever file is used is checked against `schemas/config.schema.yaml` when the
workflow starts: every key the file leaves out takes the default listed below, and an
unknown key, a value of the wrong type or range, or settings for a model not in `models`
stop the run with one line naming the key. The schema is the one place defaults and
their meaning live; this page lists them, key by key.
"""


def _resolve(node: dict, defs: dict) -> dict:
    """``node`` with a ``$ref`` to ``#/$defs/...`` merged in (the node's own keys win)."""
    ref = node.get("$ref")
    if not ref:
        return node
    return {**defs[ref.rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}, "ref": ref}


def settings(node: dict, defs: dict, prefix: str = "") -> Iterator[tuple[str, dict, bool]]:
    """(dotted key, schema node, required) for every setting below ``node``, depth first.

    A setting of a shared type (``$ref``) is resolved but not expanded. A mapping with
    free keys (``tfs``, ``feature_sets``, ...) stands for its keys with a placeholder
    named by the value schema's ``title``, e.g. ``tfs.<TF>.train_cells``.
    """
    required = set(node.get("required", []))
    for key, sub in node.get("properties", {}).items():
        sub = _resolve(sub, defs)
        path = f"{prefix}{key}"
        yield path, sub, key in required
        if "ref" not in sub:  # a shared type is listed once, under "Shared types"
            yield from _below(path, sub, defs)


def _below(path: str, node: dict, defs: dict) -> Iterator[tuple[str, dict, bool]]:
    if "properties" in node:
        yield from settings(node, defs, f"{path}.")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and "description" in extra:
        extra = _resolve(extra, defs)
        inner = f"{path}.<{extra.get('title', 'name')}>"
        yield inner, extra, False
        yield from _below(inner, extra, defs)


def _bounds(node: dict) -> list[str]:
    out = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in node:
            out.append(f"{sign} {node[key]}")
    if "multipleOf" in node:
        out.append(f"a multiple of {node['multipleOf']}")
    return out


def type_text(node: dict, required: bool = False) -> str:
    """The type of a setting in words: its JSON type, bounds and allowed values."""
    if "ref" in node:
        name = node["ref"].rsplit("/", 1)[-1].replace("_", " ")
        text = f"[{name}](#{name.replace(' ', '-')})"
    elif "enum" in node:
        text = "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    elif node.get("type") == "array":
        items = node.get("items", {})
        if "enum" in items:
            text = "list of " + ", ".join(f"`{v}`" for v in items["enum"])
        else:
            text = "list of " + ("accessions" if "$ref" in items else f"{items.get('type', 'value')}s")
        if node.get("minItems"):
            text += f" (at least {node['minItems']})"
    elif node.get("type") == "object":
        text = "section" if "properties" in node else "mapping"
    elif node.get("type") == "boolean":
        text = "`true` or `false`"
    else:
        text = ", ".join([node.get("type", "value"), *_bounds(node)])
    return f"{text}; required" if required else text


def default_text(node: dict) -> str:
    """The default as YAML in a code span; a dash for none or for a section."""
    if "default" not in node or "properties" in node:
        return "–"
    value = node["default"]
    if isinstance(value, (dict, list)):
        text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    else:
        text = yaml.safe_dump(value).split("\n...")[0]
    return f"`{text.strip()}`"


def _markdown(text: str) -> str:
    """A description as one table cell: whitespace collapsed, `<` and `|` escaped outside code."""
    parts = " ".join(text.split()).split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;")
    return "`".join(parts).replace("|", "\\|")


def _table(rows: list[tuple[str, dict, bool]]) -> list[str]:
    out = ["| key | type | default | description |", "|---|---|---|---|"]
    for key, node, required in rows:
        desc = _markdown(node.get("description", ""))
        out.append(f"| `{key}` | {type_text(node, required)} | {default_text(node)} | {desc} |")
    return out


def render(doc: dict | None = None) -> str:
    """The whole page (Markdown) for the schema ``doc`` (default: the workflow's schema)."""
    doc = schema() if doc is None else doc
    defs = doc.get("$defs", {})
    lines = [INTRO]
    required = set(doc.get("required", []))
    for key, node in doc["properties"].items():
        node = _resolve(node, defs)
        lines += [f"## {key}", ""]
        rows = list(_below(key, node, defs))
        if "properties" in node:  # a section: its description leads, its settings follow
            lines += [_markdown(node.get("description", "")), ""]
        else:
            rows.insert(0, (key, node, key in required))
        lines += [*_table(rows), ""]
    if defs:
        lines += ["## Shared types", "", "Types that several settings above use.", ""]
        for name, node in defs.items():
            lines += [f"### {name.replace('_', ' ')}", "", _markdown(node.get("description", "")), ""]
            rows = list(settings(node, defs))
            if rows:
                lines += [*_table(rows), ""]
            else:
                lines += [f"Type: {type_text(node)}.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write(path: str | os.PathLike = DOC_PATH) -> Path:
    """Write the page to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m dreamtf.configdoc [OUT]``: write the page to OUT (default docs/configuration.md)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        sys.stderr.write("usage: python -m dreamtf.configdoc [OUT]\n")
        return 2
    write(args[0] if args else DOC_PATH)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
