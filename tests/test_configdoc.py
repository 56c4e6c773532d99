import subprocess
import sys
from pathlib import Path

from dreamtf import configdoc
from dreamtf.config import schema

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_page_is_current():
    """docs/configuration.md is the schema's; a change to the schema needs the page regenerated."""
    page = ROOT / "docs" / "configuration.md"
    assert page.is_file(), "docs/configuration.md is missing: run python -m dreamtf.configdoc"
    assert page.read_text() == configdoc.render(), "docs/configuration.md is stale: run python -m dreamtf.configdoc"


def test_every_setting_has_a_description():
    doc = schema()
    keys = [key for key, node, _ in configdoc.settings(doc, doc["$defs"]) if not node.get("description", "").strip()]
    for name, node in doc["$defs"].items():
        keys += [f"$defs.{name}"] * (not node.get("description"))
        below = configdoc.settings(node, doc["$defs"])
        keys += [f"{name}.{key}" for key, sub, _ in below if not sub.get("description")]
    assert not keys, f"settings without a description in the schema: {keys}"


def _row(page: str, key: str) -> str:
    rows = [line for line in page.splitlines() if line.startswith(f"| `{key}` |")]
    assert len(rows) == 1, f"{key}: {len(rows)} rows"
    return rows[0]


def test_page_lists_every_setting_with_type_default_and_meaning():
    page = configdoc.render()
    doc = schema()
    for key, node, _ in configdoc.settings(doc, doc["$defs"]):
        if "." in key or "properties" not in node:  # a top-level section is a heading, not a row
            _row(page, key)
    assert _row(page, "windows.step").startswith(
        "| `windows.step` | integer, ≥ 1, a multiple of 50 | `50` | bp from one window's start to the next"
    )
    assert "| one of `challenge`, `overlap`, `summit` | `challenge` |" in _row(page, "labels.rule")
    assert "| `[chr1, chr8, chr21]` |" in _row(page, "chromosomes.test")
    assert "list of strings (at least 1); required | – |" in _row(page, "tfs.<TF>.train_cells")
    assert "[accession](#accession); required" in _row(page, "release.encode.chip.<TF>.<cell>.conservative")
    assert "`{tree_method: hist, objective: 'binary:logistic'," in _row(page, "catchitt.xgboost")
    # text outside code spans cannot open an HTML tag in the page
    assert "under `<path>/annotations/`" in _row(page, "release.fasta")
    assert "## Shared types" in page and "### remote file" in page


def test_rendering_a_small_schema():
    doc = {
        "properties": {
            "a": {
                "type": "object",
                "description": "Section a | with a pipe.",
                "properties": {
                    "n": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 1,
                        "default": 0.5,
                        "description": "a <b>",
                    },
                    "flag": {"type": "boolean", "default": False, "description": "on or off"},
                },
            },
            "names": {"type": "array", "items": {"type": "string"}, "description": "some names"},
        },
        "required": ["names"],
    }
    page = configdoc.render(doc)
    assert "## a\n\nSection a \\| with a pipe.\n" in page
    assert "| `a.n` | number, > 0, ≤ 1 | `0.5` | a &lt;b> |" in page
    assert "| `a.flag` | `true` or `false` | `false` | on or off |" in page
    assert "| `names` | list of strings; required | – | some names |" in page


def test_module_entry_point_writes_the_page(tmp_path):
    out = tmp_path / "sub" / "configuration.md"
    r = subprocess.run([sys.executable, "-m", "dreamtf.configdoc", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text() == configdoc.render()
    assert configdoc.main(["a", "b"]) == 2
