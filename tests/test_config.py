from pathlib import Path

import pytest
import yaml

from dreamtf.config import load_config, validate_config
from dreamtf.errors import DreamTFError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"


def test_shipped_configs_validate_and_defaults_are_filled():
    cfg = load_config(ROOT / "config.yaml", SCHEMA)
    assert cfg["chromosomes"]["test"] == ["chr1", "chr8", "chr21"]
    tiny = load_config(ROOT / "tests" / "config.yaml", SCHEMA)
    assert tiny["windows"] == {"size": 200, "step": 50}
    assert tiny["labels"] == {"rule": "overlap", "min_overlap": 1}
    assert tiny["release"]["fasta"] == "hg19.genome.fa.gz"


def base():
    return yaml.safe_load((ROOT / "tests" / "config.yaml").read_text())


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c.update(windws={"size": 100}), r"unknown key 'windws' at the top level \(allowed: .*windows"),
        (lambda c: c["release"].update(sed=3), r"unknown key 'sed' at 'release'"),
        (lambda c: c["tfs"]["CTCF"].update(test_cell=["x"]), r"unknown key 'test_cell' at 'tfs.CTCF'"),
        (lambda c: c.update(models=["catboost"]), r"'models.0': 'catboost' is not one of"),
        (lambda c: c.update(windows={"size": "200"}), r"'windows.size': '200' is not of type 'integer'"),
        (lambda c: c["tfs"]["CTCF"].update(test_cells=["K562"]), r"cell 'K562' is both a training and a test cell"),
        (
            lambda c: c.update(chromosomes={"test": ["chr1"], "validation": ["chr1"]}),
            r"'chr1' is both a test and a validation",
        ),
        (lambda c: c.pop("tfs"), r"'tfs' is a required property"),
    ],
)
def test_bad_config_gives_one_line_naming_the_key(edit, message):
    cfg = base()
    edit(cfg)
    with pytest.raises(DreamTFError, match=message) as exc:
        validate_config(cfg, SCHEMA, source="my.yaml")
    assert str(exc.value).startswith("my.yaml: ") and "\n" not in str(exc.value)


def test_invalid_yaml(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("tfs: [unclosed\n")
    with pytest.raises(DreamTFError, match=r"c.yaml: not valid YAML"):
        load_config(p, SCHEMA)
