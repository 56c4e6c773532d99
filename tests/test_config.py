import re
from pathlib import Path

import pytest
import yaml

from dreamtf.config import choices, defaults, describe, load_config, validate_config
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
        (lambda c: c.update(models=["cat boost"]), r"'models.0': 'cat boost' does not match"),
        (lambda c: c.update(windows={"size": "200"}), r"'windows.size': '200' is not of type 'integer'"),
        (lambda c: c["tfs"]["CTCF"].update(test_cells=["K562"]), r"cell 'K562' is both a training and a test cell"),
        (
            lambda c: c.update(chromosomes={"test": ["chr1"], "validation": ["chr1"]}),
            r"'chr1' is both a test and a validation",
        ),
        (lambda c: c.pop("tfs"), r"'tfs' is a required property"),
        (
            lambda c: c.update(models=["catchitt", "factornet"], factornet={"kernels": 8, "motif_kernels": 9}),
            r"'factornet.motif_kernels': 9 kernels to start as the motif, but the network has 8",
        ),
        (  # the default of 8 seeded kernels in a smaller network: the line says what to set
            lambda c: c.update(models=["baseline", "catchitt", "factornet"], factornet={"kernels": 4}),
            r"'factornet.motif_kernels': 8 kernels .* has 4 \(factornet.kernels\); set motif_kernels to 4 or fewer",
        ),
        (lambda c: c.update(chromosomes={"validation": []}), r"'chromosomes.validation': \[\] should be non-empty"),
        (lambda c: c.update(windows={"step": 25}), r"'windows.step': 25 is not a multiple of 50"),
        (lambda c: c.update(windows={"step": 75}), r"'windows.step': 75 is not a multiple of 50"),
        (lambda c: c.update(windows={"step": 0}), r"'windows.step': 0 is less than the minimum of 1"),
        (  # catchitt's features are per 50 bp bin
            lambda c: c.update(windows={"size": 220}),
            r"'windows.size': 220 bp is not a multiple of 50; catchitt's features are per 50 bp bin",
        ),
        (
            lambda c: c["scoring"].update(bootstrap=1),
            r"'scoring.bootstrap': 1 fold leaves nothing to score; use 0 \(no bounds\) or 2 or more",
        ),
        (lambda c: c["release"].update(source="http", url="gopher://x.org/r"), r"'release.url': 'gopher://x.org/r'"),
        (  # settings that would be silently ignored: the model is not run
            lambda c: c.update(factornet={"backend": "jax"}),
            r"^my.yaml: 'factornet' has settings but factornet is not in models \(models: baseline, catchitt\); "
            r"add it to models or drop the section$",
        ),
        (
            lambda c: c.update(interpret={"windows": 100}),
            r"'interpret' has settings but factornet is not in models .*; add factornet to models or drop the section$",
        ),
        (lambda c: c.update(ensemble={"weights": "equal"}), r"'ensemble' has settings but ensemble is not in models"),
        (
            lambda c: c.update(models=["baseline"]),
            r"'catchitt' has settings but catchitt is not in models \(models: baseline\)",
        ),
        (
            lambda c: c.update(variants={"deep": {"family": "catchitt", "xgboost": {"max_depth": 10}}}),
            r"'variants.deep' is not in models \(models: baseline, catchitt\); add it to models or drop it$",
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


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c["release"].update(source="http", url="HTTP://Data.Example.org/release"),
        lambda c: c["release"].update(source="http", url="Https://data.example.org/release"),
        lambda c: c["release"].update(portal="HTTPS://www.encodeproject.org"),
        lambda c: c["release"].update(annotations={"fasta": {"url": "FTP://ftp.example.org/hg19.fa.gz"}}),
        lambda c: c["scoring"].update(bootstrap=0),
        lambda c: c["scoring"].update(bootstrap=2),
        lambda c: c.update(windows={"size": 200, "step": 100}),
        lambda c: c.update(factornet={}),  # an empty section sets nothing
        # the catchitt section is the base of a catchitt variant's settings
        lambda c: c.update(models=["baseline", "deep"], variants={"deep": {"family": "catchitt", "rounds": 1}}),
        # without catchitt, windows need not cover whole 50 bp bins
        lambda c: (c.pop("catchitt"), c.update(models=["baseline"], windows={"size": 220})),
    ],
)
def test_good_config_is_accepted(edit):
    cfg = base()
    edit(cfg)
    validate_config(cfg, SCHEMA, source="my.yaml")


def test_defaults_come_from_the_schema_and_nowhere_else():
    """One source for every default: config.defaults reads the schema; no module keeps a copy."""
    props = _schema()["properties"]
    assert defaults("windows", "size") == props["windows"]["properties"]["size"]["default"] == 200
    assert defaults("chromosomes", "test") == ["chr1", "chr8", "chr21"]
    assert defaults("labels", "rule") == "challenge" and choices("labels", "rule") == ["challenge", "overlap", "summit"]
    assert defaults("scoring", "bootstrap") == 10
    fn = defaults("factornet")
    assert fn == {k: v["default"] for k, v in props["factornet"]["properties"].items()}
    assert defaults("catchitt")["xgboost"]["max_depth"] == 6
    assert "Keras 3 backend" in describe("factornet", "backend")
    with pytest.raises(KeyError, match="no setting 'sise' under windows"):
        defaults("windows", "sise")
    package = ROOT / "scripts" / "dreamtf"
    assert not (package / "defaults.py").exists()
    copies = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*DEFAULTS\s*(:[^=]+)?=", line)
    ]
    assert not copies, f"defaults kept outside the schema: {copies}"


def _settings(node, schema, path=()):
    """(dotted key, line, value, default) for every setting a config file gives, down to the schema's leaves."""
    for knode, vnode in node.value:
        sub = schema.get("properties", {}).get(knode.value)
        if sub is None:
            continue
        if isinstance(vnode, yaml.MappingNode) and "properties" in sub:
            yield from _settings(vnode, sub, (*path, knode.value))
        else:
            value = yaml.safe_load(yaml.serialize(vnode))
            yield ".".join((*path, knode.value)), knode.start_mark.line, value, sub.get("default")


@pytest.mark.parametrize("name", ["config.yaml", "challenge.yaml"])
def test_shipped_configs_state_only_their_departures_from_the_defaults(name):
    """Defaults live in the schema alone: a shipped config gives only values that differ, each with its reason."""
    text = (ROOT / name).read_text()
    lines = text.splitlines()
    found = list(_settings(yaml.compose(text), _schema()))
    assert {key for key, *_ in found} >= {"tfs"}
    for key, line, value, default in found:
        assert value != default, f"{name}: {key}: {value!r} is the schema's default; leave it out"
        assert lines[line - 1].lstrip().startswith("#"), f"{name}: {key}: say why on the line above"


TOKEN = "s3cr3t-t0ken"


@pytest.mark.parametrize(
    "release, message",
    [
        # an absolute or relative FASTA path once made the simulator write beside it, outside the release
        ({"fasta": "/some/abs/path.fa.gz"}, "expected a file name under <release.path>/annotations/"),
        ({"fasta": "../../hg19.fa.gz"}, "expected a file name under <release.path>/annotations/"),
        ({"fasta": "sub/hg19.fa.gz"}, "expected a file name under <release.path>/annotations/"),
        ({"fasta": ".."}, "expected a file name under <release.path>/annotations/"),
        ({"fasta": ""}, "expected a file name under <release.path>/annotations/"),
        ({"path": "/"}, "'release.path': expected a folder of the release's own"),
        ({"path": "."}, "'release.path': expected a folder of the release's own"),
        ({"path": ""}, "'release.path': expected a folder of the release's own"),
        ({"path": ".."}, "'release.path': expected a folder of the release's own"),
        ({"path": "resources/../.."}, "'release.path': expected a folder of the release's own"),
        ({"path": "{run}"}, "'release.path': expected a folder of the release's own"),
    ],
)
def test_a_path_setting_that_could_write_outside_the_release_is_refused(tmp_path, release, message):
    cfg = base()
    run = tmp_path / "run"
    run.mkdir()
    ((key, value),) = release.items()
    value = value.replace("{run}", str(run))  # the run directory, named absolutely
    cfg["release"][key] = value
    with pytest.raises(DreamTFError) as exc:
        validate_config(cfg, SCHEMA, source="my.yaml", workdir=run)
    assert str(exc.value).startswith(f"my.yaml: 'release.{key}': ") and f"got {value!r}" in str(exc.value)
    assert message in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize(
    "release",
    [
        {"fasta": "GRCh38.primary_assembly.genome.fa"},
        {"path": "/data/release"},  # a release kept elsewhere, shared by runs
        {"path": "../shared/release"},  # beside the run directory, not above it
        {"path": "resources/release/../other"},
    ],
)
def test_a_release_may_be_any_folder_of_its_own(tmp_path, release):
    cfg = base()
    cfg["release"].update(release)
    (tmp_path / "run").mkdir()
    validate_config(cfg, SCHEMA, source="my.yaml", workdir=tmp_path / "run")


def test_a_motif_is_a_jaspar_id_or_an_existing_file(tmp_path):
    (tmp_path / "motifs").mkdir()
    (tmp_path / "motifs" / "ctcf.meme").write_text("MEME version 4\n")
    cfg = base()
    for motif in ("MA0139.2", "MA0139", "PB0001.1", "motifs/ctcf.meme", str(tmp_path / "motifs" / "ctcf.meme")):
        cfg["features"] = {"motifs": {"CTCF": motif}}
        validate_config(cfg, SCHEMA, source="my.yaml", workdir=tmp_path)
    for motif in ("motifs/other.meme", "MA0139.2 ", "motifs"):
        cfg["features"] = {"motifs": {"CTCF": motif}}
        with pytest.raises(DreamTFError) as exc:
            validate_config(cfg, SCHEMA, source="my.yaml", workdir=tmp_path)
        assert str(exc.value) == (
            "my.yaml: 'features.motifs.CTCF': expected a JASPAR matrix id (e.g. MA0139.2) or an existing "
            f"JASPAR or MEME file, got {motif!r}"
        )


@pytest.mark.parametrize(
    "edit, message",
    [
        (  # not a URL the schema takes: its error line shows the URL with the login blanked out
            lambda c: c["release"].update(source="http", url=f"gopher://me:{TOKEN}@x.org/r"),
            r"^my.yaml: 'release.url': 'gopher://\*\*\*@x.org/r' does not match",
        ),
        (
            lambda c: c["release"].update(portal=f"https://me:{TOKEN}@www.encodeproject.org"),
            r"^my.yaml: 'release.portal': credentials in a URL are taken only in release.url .*"
            r"got 'https://\*\*\*@www.encodeproject.org'$",
        ),
        (
            lambda c: c["release"].update(annotations={"gtf": {"url": f"ftp://{TOKEN}@h.org/g.gtf.gz"}}),
            r"^my.yaml: 'release.annotations.gtf.url': credentials in a URL are taken only in release.url",
        ),
    ],
)
def test_a_login_in_a_url_never_appears_in_a_config_error(edit, message):
    cfg = base()
    edit(cfg)
    with pytest.raises(DreamTFError, match=message) as exc:
        validate_config(cfg, SCHEMA, source="my.yaml")
    assert TOKEN not in str(exc.value)


def test_a_login_in_release_url_is_accepted():
    cfg = base()
    cfg["release"].update(source="http", url=f"https://me:{TOKEN}@data.example.org/release")
    assert validate_config(cfg, SCHEMA, source="my.yaml")["release"]["url"].endswith("@data.example.org/release")
