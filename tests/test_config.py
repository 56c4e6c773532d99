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
    assert tiny["labels"] == {"rule": "challenge", "min_overlap": 1}
    assert tiny["release"]["fasta"] == "hg19.genome.fa.gz"


def test_challenge_config_is_the_final_round():
    cfg = load_config(ROOT / "challenge.yaml", SCHEMA)
    pairs = sorted((tf, c) for tf, spec in cfg["tfs"].items() for c in spec["test_cells"])
    assert len(pairs) == 13 and ("CTCF", "PC-3") in pairs and ("E2F1", "K562") in pairs
    assert ("NANOG", "induced_pluripotent_stem_cell") in pairs and ("CTCF", "induced_pluripotent_stem_cell") in pairs
    assert {tf for tf, c in pairs if c == "liver"} == {
        "EGR1",
        "FOXA1",
        "FOXA2",
        "GABPA",
        "HNF4A",
        "JUND",
        "MAX",
        "REST",
        "TAF1",
    }
    assert cfg["chromosomes"] == {"test": ["chr1", "chr8", "chr21"], "validation": ["chr11"]}
    assert cfg["release"]["source"] == "synapse"
    from dreamtf.motifs import resolve_motif

    # every TF scans a real matrix: its own, or the one named (TAF1 has none in JASPAR)
    ids = {tf: resolve_motif(tf, cfg["features"]["motifs"].get(tf)).matrix_id for tf in cfg["tfs"]}
    assert ids["TAF1"] == "MA0108.3" and ids["CTCF"].startswith("MA0139")
    with pytest.raises(DreamTFError, match=r"no JASPAR matrix for TF 'TAF1' .* as features.motifs.TAF1, or leave"):
        resolve_motif("TAF1")  # without the config's choice: one line saying what to do


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
        (
            lambda c: c.setdefault("factornet", {}).update(kernels=8, motif_kernels=9),
            r"'factornet.motif_kernels': 9 kernels to start as the motif, but the network has 8",
        ),
        (  # the default of 8 seeded kernels in a smaller network: the line says what to set
            lambda c: c.setdefault("factornet", {}).update(kernels=4),
            r"'factornet.motif_kernels': 8 kernels .* has 4 \(factornet.kernels\); set motif_kernels to 4 or fewer",
        ),
        (
            lambda c: c.update(models=["baseline", "catchitt", "ensemble"]),
            r"'models': ensemble averages catchitt and factornet; add both to models, or drop ensemble",
        ),
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


def _schema():
    return yaml.safe_load(SCHEMA.read_text())


def _default(*keys):
    node = _schema()
    for k in keys:
        node = node["properties"][k]
    return node["default"]


def test_module_defaults_equal_the_schema():
    """One source for every default: the library's and the CLI's copies must equal the schema's."""
    from dreamtf import catchitt, factornet
    from dreamtf import defaults as D
    from dreamtf.cli import build_parser

    props = _schema()["properties"]
    assert factornet.DEFAULTS == {k: v["default"] for k, v in props["factornet"]["properties"].items()}
    assert catchitt.DEFAULTS == {k: v["default"] for k, v in props["catchitt"]["properties"].items()}
    assert D.WINDOW_SIZE == _default("windows", "size") and D.WINDOW_STEP == _default("windows", "step")
    assert list(D.TEST_CHROMS) == _default("chromosomes", "test")
    assert list(D.VALIDATION_CHROMS) == _default("chromosomes", "validation")
    assert D.LABEL_RULE == _default("labels", "rule") and D.MIN_OVERLAP == _default("labels", "min_overlap")
    assert D.BOOTSTRAP == _default("scoring", "bootstrap")
    sub = build_parser()._subparsers._group_actions[0].choices
    labels = {a.dest: a.default for a in sub["labels"]._actions}
    assert (labels["size"], labels["step"], labels["rule"]) == (D.WINDOW_SIZE, D.WINDOW_STEP, D.LABEL_RULE)
    score = {a.dest: a.default for a in sub["score"]._actions}
    assert score["chroms"] == ",".join(D.TEST_CHROMS) and score["bootstrap"] == D.BOOTSTRAP


def _departures(node, schema, path=()):
    """(dotted key, line, value, default) for every config value that differs from its schema default."""
    for knode, vnode in node.value:
        sub = schema.get("properties", {}).get(knode.value)
        if sub is None:
            continue
        if isinstance(vnode, yaml.MappingNode) and "properties" in sub:
            yield from _departures(vnode, sub, (*path, knode.value))
        elif "default" in sub:
            value = yaml.safe_load(yaml.serialize(vnode))
            if value != sub["default"]:
                yield ".".join((*path, knode.value)), knode.start_mark.line, value, sub["default"]


def test_config_yaml_marks_every_choice_that_is_not_the_default():
    text = (ROOT / "config.yaml").read_text()
    lines = text.splitlines()
    found = list(_departures(yaml.compose(text), _schema()))
    assert found, "the demo config states at least its own choices"
    for key, line, value, default in found:
        assert f"demo choice; default: {default}" in lines[line], f"config.yaml: {key}: {value} differs from {default}"
    marked = [i for i, ln in enumerate(lines) if "demo choice;" in ln and not ln.lstrip().startswith("#")]
    assert sorted(marked) == sorted(line for _, line, _, _ in found)
