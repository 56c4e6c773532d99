"""Model bundles: a run's models exported into one file, read and verified, checked against another run, installed.

Most tests use a run folder whose model files are made-up bytes under the paths a run
writes (the bundle copies files, it never loads a model); the slow ones export the models
of a real tiny workflow run and install them byte for byte.
"""

import filecmp
import json
import shutil
import struct
import time
import warnings
import zipfile
from pathlib import Path

import pytest
import yaml
from http_server import serve
from workflow_runs import ROOT, snakemake

from dreamtf import registry
from dreamtf.bundle import (
    CHROM_SIZES,
    bundle_files,
    check_compatible,
    export_bundle,
    fetch_bundle,
    install_models,
    load_run_config,
    model_files,
    read_bundle,
)
from dreamtf.cli import main
from dreamtf.config import SCHEMA_PATH, schema, validate_config
from dreamtf.errors import DreamTFError
from dreamtf.io.manifest import file_md5
from dreamtf.modelcard import versions

SIZES = {"chr1": 6_000_000, "chr2": 5_500_000, "chr8": 4_000_000, "chr11": 4_000_000, "chr21": 2_500_000}
#: FactorNet at its smallest, as the SLURM test trains it
TINY_FACTORNET = {
    "input_length": 400,
    "epochs": 1,
    "bound_per_epoch": 200,
    "validation_windows": 200,
    "kernels": 8,
    "motif_kernels": 2,
    "lstm_units": 8,
    "dense_units": 16,
}
HEPG2 = "results/models/catchitt/dnase/CTCF.HepG2.zip"


def tiny_config() -> dict:
    return yaml.safe_load((ROOT / "tests" / "config.yaml").read_text())


def every_model_config(motif: bool = True) -> dict:
    """The tests' tiny config with FactorNet and the ensemble (and a feature set with motifs): every kind of file."""
    cfg = tiny_config()
    cfg["models"] = ["baseline", "catchitt", "factornet", "ensemble"]
    cfg["factornet"] = dict(TINY_FACTORNET)
    if motif:
        cfg["feature_sets"]["motif"] = ["dnase", "motif"]
    return cfg


def card_versions() -> dict:
    """What a model card records; xgboost's minor version is one no environment has, to tell card from here."""
    out = versions("xgboost", "keras")
    out["xgboost"] = out["xgboost"].split(".")[0] + ".99.0"
    return out


def write_run(root: Path, cfg: dict, sizes: dict = SIZES) -> Path:
    """A run folder as the workflow leaves it, every model file present (made-up bytes), config.yaml in it."""
    (root / "results" / "release").mkdir(parents=True)
    (root / "config.yaml").write_text(yaml.safe_dump(cfg))
    (root / CHROM_SIZES).write_text("".join(f"{c}\t{n}\n" for c, n in sizes.items()))
    checked = validate_config(cfg, SCHEMA_PATH)
    for i, rel in enumerate(model_files(checked, registry.models(checked, schema()))):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".card.json"):
            path.write_text(json.dumps({"tf": "CTCF", "versions": card_versions()}))
        else:
            path.write_bytes(f"{rel} {i}\n".encode() * (50 + i))
    return root


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    """(the made-up run folder, its bundle)."""
    base = tmp_path_factory.mktemp("bundle")
    run = write_run(base / "run", every_model_config())
    cfg, source = load_run_config(run)
    export_bundle(run, base / "models.zip", cfg, source)
    return run, base / "models.zip"


def predict_dir(root: Path, cfg: dict, sizes: dict = SIZES) -> Path:
    """A predicting run's folder: its config.yaml and its genome's chromosome sizes, no models."""
    (root / "results" / "release").mkdir(parents=True)
    (root / "config.yaml").write_text(yaml.safe_dump(cfg))
    (root / CHROM_SIZES).write_text("".join(f"{c}\t{n}\n" for c, n in sizes.items()))
    return root


def refused(capsys, *argv) -> str:
    """The one error line of a dreamtf command that must fail."""
    assert main([str(a) for a in argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def nothing_installed(run: Path) -> None:
    assert not (run / "results" / "models").exists() and not (run / "results" / "calibration").exists()


# --- which files a run's config implies -------------------------------------------------------------


def test_every_family_says_which_files_its_models_are():
    for family in registry.FAMILIES.values():  # a family that trains writes model files
        assert bool(family.model_files) == family.trains, family.name


def test_model_files_of_the_tiny_run():
    cfg = validate_config(tiny_config(), SCHEMA_PATH)
    assert model_files(cfg, registry.models(cfg, schema())) == [
        "results/models/catchitt/dnase/CTCF.HepG2.zip",
        "results/models/catchitt/dnase/CTCF.HepG2.card.json",
        "results/models/catchitt/dnase/CTCF.K562.zip",
        "results/models/catchitt/dnase/CTCF.K562.card.json",
        "results/calibration/baseline/dnase_max/CTCF.json",
        "results/calibration/catchitt/dnase/CTCF.json",
    ]


def test_learned_motifs_travel_with_the_models_that_read_them(tmp_path):
    raw = tiny_config()
    raw["feature_sets"]["learned"] = ["dnase", "motif", "motif_learned"]
    cfg = validate_config(raw, SCHEMA_PATH)
    files = model_files(cfg, registry.models(cfg, schema()))
    # once per TF, however many models and sets read it: a predicting run scans the same matrices
    assert files.count("results/motifs/learned/CTCF.meme") == 1
    assert "results/models/catchitt/learned/CTCF.HepG2.zip" in files
    plain = validate_config(tiny_config(), SCHEMA_PATH)
    assert not any("motifs/learned" in f for f in model_files(plain, registry.models(plain, schema())))
    # exported, read back and installed where the predicting run's scan reads it
    run = write_run(tmp_path / "run", raw)
    export_bundle(run, tmp_path / "models.zip", *load_run_config(run))
    written = install_models(read_bundle(tmp_path / "models.zip"), tmp_path / "predict")
    meme = "results/motifs/learned/CTCF.meme"
    assert tmp_path / "predict" / meme in written
    assert (tmp_path / "predict" / meme).read_bytes() == (run / meme).read_bytes()


def test_model_files_with_factornet_and_the_ensemble():
    cfg = validate_config(every_model_config(motif=False), SCHEMA_PATH)
    files = model_files(cfg, registry.models(cfg, schema()))
    for rel in (
        "results/models/factornet/CTCF.keras",
        "results/models/factornet/CTCF.json",
        "results/models/factornet/CTCF.card.json",
        "results/models/factornet/CTCF.history.csv",
        "results/models/ensemble/dnase/CTCF.json",
        "results/calibration/factornet/seq_dnase/CTCF.json",
        "results/calibration/ensemble/dnase/CTCF.json",
    ):
        assert rel in files, rel
    assert len(files) == 13 and len(set(files)) == 13


# --- export ---------------------------------------------------------------------------------------------


def test_export_writes_every_model_file_with_its_md5_and_the_settings_predicting_needs(exported):
    run, path = exported
    bundle = read_bundle(path)
    cfg, _ = load_run_config(run)
    expected = model_files(cfg, registry.models(cfg, schema()))
    assert bundle_files(bundle) == expected and len(expected) == 20
    for rel in expected:
        entry = bundle.members[rel]
        assert (entry.bytes, entry.md5) == ((run / rel).stat().st_size, file_md5(run / rel))
    assert bundle.format_version == 2 and bundle.dreamtf_version == versions()["dreamtf"]
    assert bundle.created.endswith("+00:00")
    assert bundle.versions["xgboost"] == card_versions()["xgboost"]  # what trained the models, from their cards
    assert {"numpy", "dreamtf", "keras"} <= set(bundle.versions)
    rec = bundle.config
    assert rec["genome"] == {"build": "hg19", "fasta": "hg19.genome.fa.gz", "chrom_sizes": SIZES}
    assert rec["windows"] == {"size": 200, "step": 50}
    assert rec["chromosomes"] == {"test": ["chr1", "chr8", "chr21"], "validation": ["chr11"]}
    assert rec["tfs"] == {"CTCF": {"train_cells": ["HepG2", "K562"]}}
    assert {n: m["family"] for n, m in rec["models"].items()} == {
        "baseline": "baseline",
        "catchitt": "catchitt",
        "factornet": "factornet",
        "ensemble": "ensemble",
    }
    assert rec["models"]["ensemble"]["members"] == ["catchitt", "factornet"]
    assert rec["models"]["catchitt"]["settings"]["num_boost_round"] == 60
    assert rec["feature_sets"] == {"dnase": ["dnase", "dnase_peaks"], "motif": ["dnase", "motif"]}
    assert rec["features"]["flank_bins"] == 1
    assert rec["features"]["motifs"]["CTCF"]["matrix_id"] == "MA0139.2"
    assert rec["factornet_inputs"] == {
        "factornet": {"tracks": ["sequence", "dnase"], "input_length": 400, "dnase_norm": "rank", "meta_pcs": 0}
    }


def test_export_from_the_command_line(exported, tmp_path, capsys):
    run, _ = exported
    t0 = time.perf_counter()
    assert main(["export", str(run), str(tmp_path / "b.zip")]) == 0
    seconds = time.perf_counter() - t0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'b.zip'}: 20 model files, ") and seconds < 60
    assert bundle_files(read_bundle(tmp_path / "b.zip")) == bundle_files(read_bundle(exported[1]))


def test_export_refuses_a_run_missing_a_model_file(exported, tmp_path, capsys):
    run = shutil.copytree(exported[0], tmp_path / "run")
    (run / "results/models/factornet/CTCF.history.csv").unlink()
    (run / "results/calibration/ensemble/motif/CTCF.json").unlink()
    err = refused(capsys, "export", run, tmp_path / "b.zip")
    assert err == (
        f"dreamtf export: error: {run}/results/models/factornet/CTCF.history.csv: missing; the run's config "
        f"({run}/config.yaml) implies it: run the workflow to its end in that folder first, then export"
    )
    assert not (tmp_path / "b.zip").exists()


def test_export_refuses_a_run_without_its_chromosome_sizes(exported, tmp_path, capsys):
    run = shutil.copytree(exported[0], tmp_path / "run")
    (run / CHROM_SIZES).unlink()
    assert f"{run}/{CHROM_SIZES}: missing" in refused(capsys, "export", run, tmp_path / "b.zip")


def test_export_refuses_a_bundle_name_that_is_not_a_zip(exported, tmp_path, capsys):
    err = refused(capsys, "export", exported[0], tmp_path / "b.tar.gz")
    assert err.endswith("b.tar.gz: a bundle is a zip file; give it a name ending in .zip")


def test_export_without_any_config(tmp_path, capsys):
    err = refused(capsys, "export", tmp_path, tmp_path / "b.zip")
    assert err.endswith(f"{tmp_path}/config.yaml: not found; name the run's config files with --config")


def test_config_files_replace_the_run_folders_own_and_merge_in_order(tmp_path):
    # as the profiles run Snakemake (replace-workflow-config): --configfile files replace config.yaml
    (tmp_path / "config.yaml").write_text("tfs:\n  FOXA1:\n    train_cells: [HepG2]\n    test_cells: [liver]\n")
    (tmp_path / "first.yaml").write_text(yaml.safe_dump(tiny_config()))
    (tmp_path / "more.yaml").write_text("tfs:\n  REST:\n    train_cells: [HepG2]\n    test_cells: [liver]\n")
    (tmp_path / "last.yaml").write_text("catchitt:\n  rounds: 3\nwindows:\n  step: 100\n")
    files = [tmp_path / "first.yaml", tmp_path / "more.yaml", tmp_path / "last.yaml"]
    cfg, source = load_run_config(tmp_path, files)
    assert source == " + ".join(str(f) for f in files)
    assert list(cfg["tfs"]) == ["CTCF", "REST"]  # mappings merge key by key; config.yaml is not read
    assert cfg["catchitt"]["rounds"] == 3 and cfg["catchitt"]["num_boost_round"] == 60
    cfg, source = load_run_config(tmp_path)
    assert source == f"{tmp_path}/config.yaml" and list(cfg["tfs"]) == ["FOXA1"]


def test_a_config_that_is_no_mapping_is_refused(tmp_path):
    (tmp_path / "c.yaml").write_text("- a\n- b\n")
    with pytest.raises(DreamTFError, match=r"c\.yaml: expected a mapping of settings at the top level, found list"):
        load_run_config(tmp_path, [tmp_path / "c.yaml"])


# --- install --------------------------------------------------------------------------------------------


def test_install_into_a_fresh_run_gives_the_same_files(exported, tmp_path, capsys):
    run, path = exported
    target = predict_dir(tmp_path / "predict", every_model_config())
    assert main(["install", str(path), str(target)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: 20 model files installed into {target} (")
    for rel in bundle_files(read_bundle(path)):
        assert filecmp.cmp(run / rel, target / rel, shallow=False), rel
    assert not list(target.rglob("*.tmp"))


def test_a_run_asking_for_some_of_the_bundles_models_takes_them(exported, tmp_path):
    cfg = every_model_config()
    cfg["models"] = ["catchitt"]
    del cfg["factornet"]
    cfg["feature_sets"] = {"motif": ["dnase", "motif"]}
    check_compatible(read_bundle(exported[1]), validate_config(cfg, SCHEMA_PATH), SIZES)


def test_install_writes_all_or_nothing(exported, tmp_path):
    """A member that fails its md5 as it is written: no file replaced, none added, no temporary file left."""
    last = "results/calibration/ensemble/motif/CTCF.json"
    bad = rewrite(exported[1], tmp_path / "bad.zip", member=lambda name, data: data + b"x" if name == last else data)
    assert list(read_bundle(bad, verify=False).members)[-1] == last
    target = tmp_path / "run"
    (target / HEPG2).parent.mkdir(parents=True)
    (target / HEPG2).write_bytes(b"the old model")
    with pytest.raises(DreamTFError, match=rf"member {last}: \d+ bytes, bundle\.json says"):
        install_models(read_bundle(bad, verify=False), target)
    assert (target / HEPG2).read_bytes() == b"the old model"
    assert [p for p in target.rglob("*") if p.is_file()] == [target / HEPG2]


# --- bad bundles ---------------------------------------------------------------------------------------


def rewrite(
    src: Path, dst: Path, *, manifest=None, member=None, extra: dict | None = None, drop: str | None = None
) -> Path:
    """A copy of bundle ``src`` with bundle.json edited by ``manifest(dict)`` and members by ``member(name, bytes)``."""
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    head = json.loads(members.pop("bundle.json"))
    if manifest:
        manifest(head)
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("bundle.json", json.dumps(head))
        for name, data in members.items():
            if name != drop:
                zf.writestr(name, member(name, data) if member else data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of a name written twice, which one case wants
            for name, data in (extra or {}).items():
                zf.writestr(name, data)
    return dst


def flip_stored_byte(path: Path, name: str) -> None:
    """Change one byte of a stored member's data in place (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    raw[info.header_offset + 30 + name_len + extra_len + 5] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncated(src, dst):
    dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return dst


def _crc(src, dst):
    shutil.copy(src, dst)
    flip_stored_byte(dst, HEPG2)
    return dst


def _set_version(head):
    head["format_version"] = 1
    head["dreamtf_version"] = "9.0.0"


def _add_listed(head):
    head["members"]["results/models/catchitt/dnase/CTCF.A549.zip"] = {"bytes": 3, "md5": "0" * 32}


def _list_outside(head):
    head["members"]["results/other/x.txt"] = {"bytes": 1, "md5": "0cc175b9c0f1b6a831c399e269772661"}


def _list_leaving(head):
    head["members"]["../x.txt"] = {"bytes": 1, "md5": "0cc175b9c0f1b6a831c399e269772661"}


BAD_BUNDLES = {
    "truncated": (_truncated, r"truncated or corrupt bundle \(File is not a zip file\)"),
    "md5": (
        lambda s, d: rewrite(s, d, member=lambda n, b: b.replace(b"CTCF", b"CTCG", 1) if n == HEPG2 else b),
        rf"member {HEPG2}: md5 [0-9a-f]{{32}}, bundle\.json says [0-9a-f]{{32}}",
    ),
    "size": (
        lambda s, d: rewrite(s, d, member=lambda n, b: b[:-1] if n == HEPG2 else b),
        rf"member {HEPG2}: \d+ bytes, bundle\.json says \d+",
    ),
    "crc": (_crc, rf"member {HEPG2}: truncated or corrupt \(Bad CRC-32"),
    "format version": (
        lambda s, d: rewrite(s, d, manifest=_set_version),
        r"member bundle\.json: bundle format version 1 \(written by dreamtf 9\.0\.0\); this dreamtf reads version 2",
    ),
    "member not listed": (
        lambda s, d: rewrite(s, d, extra={"results/models/catchitt/dnase/x.zip": b"x"}),
        r"member results/models/catchitt/dnase/x\.zip is in the zip but not listed in bundle\.json",
    ),
    "member absent": (
        lambda s, d: rewrite(s, d, manifest=_add_listed),
        r"member results/models/catchitt/dnase/CTCF\.A549\.zip is listed in bundle\.json but not in the zip",
    ),
    "member outside the model folders": (
        lambda s, d: rewrite(s, d, manifest=_list_outside, extra={"results/other/x.txt": b"a"}),
        r"member results/other/x\.txt is outside results/models/, results/calibration/, results/motifs/learned/; "
        r"not a model file",
    ),
    "member path leaves the folder": (
        lambda s, d: rewrite(s, d, manifest=_list_leaving, extra={"../x.txt": b"a"}),
        r"member '\.\./x\.txt' is not a plain relative path",
    ),
    "member twice": (
        lambda s, d: rewrite(s, d, extra={HEPG2: b"another"}),
        rf"member {HEPG2} is in the zip twice",
    ),
    "no manifest": (
        lambda s, d: _zip_without_manifest(d),
        r"no bundle\.json in the zip; not a dreamtf model bundle",
    ),
    "not found": (lambda s, d: d, r"bundle not found"),
}


def _zip_without_manifest(dst):
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr(HEPG2, b"x")
    return dst


@pytest.mark.parametrize("case", list(BAD_BUNDLES))
def test_a_bad_bundle_is_one_line_and_installs_nothing(case, exported, tmp_path, capsys):
    make, message = BAD_BUNDLES[case]
    bad = make(exported[1], tmp_path / "bad.zip")
    with pytest.raises(DreamTFError, match=message) as exc:
        read_bundle(bad)
    assert str(exc.value).startswith(f"{bad}: ") and "\n" not in str(exc.value)
    target = predict_dir(tmp_path / "predict", every_model_config())
    assert refused(capsys, "install", bad, target) == f"dreamtf install: error: {exc.value}"
    nothing_installed(target)


# --- a bundle against another run ------------------------------------------------------------------------


def _set(*path_value):
    *path, value = path_value

    def edit(cfg):
        node = cfg
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return edit


def _resize(sizes):
    return {**sizes, "chr1": 5_000_000}


def _drop_chrom(sizes):
    return {c: n for c, n in sizes.items() if c != "chr21"}


def _add_chrom(sizes):
    return {**sizes, "chrY": 1_000_000}


INCOMPATIBLE = {
    "window size": (_set("windows", "size", 100), None, "windows.size is 200 in the bundle but 100 in this run"),
    "window step": (_set("windows", "step", 100), None, "windows.step is 50 in the bundle but 100 in this run"),
    "TF": (
        _set("tfs", "REST", {"train_cells": ["HepG2"], "test_cells": ["liver"]}),
        None,
        "TF REST of this run has no models in the bundle (its TFs: CTCF)",
    ),
    "training cells": (
        _set("tfs", "CTCF", "train_cells", ["HepG2"]),
        None,
        "tfs.CTCF.train_cells is [HepG2, K562] in the bundle but [HepG2] in this run",
    ),
    "model": (
        lambda c: (c["models"].append("deep"), c.setdefault("variants", {}).update(deep={"family": "catchitt"})),
        None,
        "model deep of this run is not in the bundle (its models: baseline, catchitt, factornet, ensemble)",
    ),
    "feature set the bundle lacks": (
        _set("feature_sets", "seq", ["sequence"]),
        None,
        "model catchitt runs on feature set seq in this run, but the bundle has it on [dnase, motif] only",
    ),
    "a feature set's groups": (
        _set("feature_sets", "dnase", ["dnase"]),
        None,
        "feature_sets.dnase is [dnase, dnase_peaks] in the bundle but [dnase] in this run",
    ),
    "flank_bins": (_set("features", "flank_bins", 2), None, "features.flank_bins is 1 in the bundle but 2 in this run"),
    "motif": (
        _set("features", "motifs", "CTCF", "MA0139.1"),
        None,
        "features.motifs.CTCF is MA0139.2 from JASPAR in the bundle but MA0139.1 from JASPAR in this run",
    ),
    "FactorNet input_length": (
        _set("factornet", "input_length", 1000),
        None,
        "factornet.input_length is 400 in the bundle but 1000 in this run",
    ),
    "FactorNet dnase_norm": (
        _set("factornet", "dnase_norm", "log1p"),
        None,
        "factornet.dnase_norm is rank in the bundle but log1p in this run",
    ),
    "FactorNet meta_pcs": (
        _set("factornet", "meta_pcs", 2),
        None,
        "factornet.meta_pcs is 0 in the bundle but 2 in this run",
    ),
}


GENOMES_THAT_DIFFER = {
    "genome build": (
        _set("release", "genome", "GRCh38"),
        None,
        "build GRCh38 (the bundle: hg19)",
    ),
    "chromosome size": (None, _resize, "1 chromosomes of other lengths (chr1 5000000 bp, 6000000 there)"),
    "chromosome missing here": (None, _drop_chrom, "1 of the bundle's chromosomes not here (chr21)"),
    "chromosome missing there": (None, _add_chrom, "1 chromosomes the bundle's genome lacks (chrY)"),
}


@pytest.mark.parametrize("case", list(GENOMES_THAT_DIFFER))
def test_another_genome_is_reported_in_one_line_and_installs(case, exported, tmp_path, capsys):
    """hg19 models on GRCh38 or a mouse genome: what differs is said, and the models install all the same."""
    edit, resize, what = GENOMES_THAT_DIFFER[case]
    cfg = every_model_config()
    if edit:
        edit(cfg)
    sizes = resize(SIZES) if resize else SIZES
    path = exported[1]
    differs = check_compatible(read_bundle(path), validate_config(cfg, SCHEMA_PATH), sizes)
    assert differs == (
        f"this run's genome differs from the one the bundle's models were trained on: {what}; "
        "they predict from this genome's sequence and this run's cells all the same"
    )
    target = predict_dir(tmp_path / "predict", cfg, sizes)
    assert main(["install", str(path), str(target)]) == 0
    err = capsys.readouterr().err
    assert err.strip() == f"{path}: {differs}"
    assert check_compatible(read_bundle(path), validate_config(every_model_config(), SCHEMA_PATH), SIZES) == ""


@pytest.mark.parametrize("case", list(INCOMPATIBLE))
def test_a_bundle_from_another_run_setup_is_refused_naming_both_sides(case, exported, tmp_path, capsys):
    edit, resize, message = INCOMPATIBLE[case]
    cfg = every_model_config()
    if edit:
        edit(cfg)
    sizes = resize(SIZES) if resize else SIZES
    path = exported[1]
    with pytest.raises(DreamTFError) as exc:
        check_compatible(read_bundle(path), validate_config(cfg, SCHEMA_PATH), sizes)
    assert str(exc.value).startswith(f"{path}: {message}"), str(exc.value)
    target = predict_dir(tmp_path / "predict", cfg, sizes)
    assert refused(capsys, "install", path, target) == f"dreamtf install: error: {exc.value}"
    nothing_installed(target)


def test_another_xgboost_major_version_is_refused(exported):
    bundle = read_bundle(exported[1])
    cfg = validate_config(every_model_config(), SCHEMA_PATH)
    here = versions("xgboost", "keras")
    check_compatible(bundle, cfg, SIZES, versions={**here, "xgboost": here["xgboost"].split(".")[0] + ".0.1"})
    other = {**here, "xgboost": "1.7.6"}
    with pytest.raises(DreamTFError) as exc:
        check_compatible(bundle, cfg, SIZES, versions=other)
    assert str(exc.value) == (
        f"{exported[1]}: xgboost is {card_versions()['xgboost']} in the bundle but 1.7.6 in this run; models saved "
        f"by one major version need not load in another: predict with xgboost {here['xgboost'].split('.')[0]}.x"
    )


@pytest.mark.parametrize("lib", ["xgboost", "keras"])
def test_a_bundle_trained_with_another_major_version_is_refused_by_install(lib, exported, tmp_path, capsys):
    bad = rewrite(exported[1], tmp_path / "old.zip", manifest=lambda h: h["versions"].update({lib: "1.0.0"}))
    target = predict_dir(tmp_path / "predict", every_model_config())
    err = refused(capsys, "install", bad, target)
    assert f"{bad}: {lib} is 1.0.0 in the bundle but {versions(lib)[lib]} in this run;" in err
    nothing_installed(target)


def test_a_library_not_installed_here_is_not_compared(exported):
    cfg = validate_config(every_model_config(), SCHEMA_PATH)
    check_compatible(read_bundle(exported[1]), cfg, SIZES, versions={"xgboost": "not installed"})


# --- fetching by URL -------------------------------------------------------------------------------------


def test_fetch_bundle_by_url_and_md5(exported, tmp_path):
    path = exported[1]
    md5 = file_md5(path)
    with serve(path.parent) as srv:
        got = fetch_bundle(f"{srv.url}/{path.name}", md5, tmp_path / "b.zip", wait=0)
        assert got == tmp_path / "b.zip" and file_md5(got) == md5
        fetch_bundle(f"{srv.url}/{path.name}", md5, tmp_path / "b.zip", wait=0)
        assert srv.hits[path.name] == 1  # already here and verified: not fetched again
    assert bundle_files(read_bundle(got)) == bundle_files(read_bundle(path))


def test_fetch_bundle_refuses_another_md5_and_keeps_nothing(exported, tmp_path):
    path = exported[1]
    with serve(path.parent) as srv, pytest.raises(DreamTFError) as exc:
        fetch_bundle(f"{srv.url}/{path.name}", "0" * 32, tmp_path / "b.zip", retries=1, wait=0)
    assert str(exc.value) == (
        f"{srv.url}/{path.name}: md5 {file_md5(path)}, expected {'0' * 32}; nothing of b.zip was kept"
    )
    assert list(tmp_path.iterdir()) == []


def test_fetch_bundle_needs_an_md5(tmp_path):
    with pytest.raises(DreamTFError, match=r"http://x/b\.zip: md5 'abc' is not 32 lower-case hex digits"):
        fetch_bundle("http://x/b.zip", "abc", tmp_path / "b.zip")


# --- a real run's models ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> tuple[Path, Path]:
    """(run folder, config file): the tiny workflow with FactorNet and the ensemble, run as far as a bundle needs."""
    cfg_path = tmp_path_factory.mktemp("bundle_config") / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(every_model_config(motif=False)))
    work = tmp_path_factory.mktemp("bundle_run")
    cfg = validate_config(every_model_config(motif=False), SCHEMA_PATH)
    targets = model_files(cfg, registry.models(cfg, schema()))
    r = snakemake(work, CHROM_SIZES, *targets, "--configfile", str(cfg_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return work, cfg_path


@pytest.mark.slow
def test_a_trained_runs_models_round_trip_byte_for_byte(trained_run, tmp_path, capsys):
    run, cfg_path = trained_run
    t0 = time.perf_counter()
    assert main(["export", str(run), str(tmp_path / "models.zip"), "--config", str(cfg_path)]) == 0
    t_export = time.perf_counter() - t0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'models.zip'}: 13 model files, ")
    t0 = time.perf_counter()
    bundle = read_bundle(tmp_path / "models.zip")
    cfg, _ = load_run_config(tmp_path, [cfg_path])
    check_compatible(bundle, cfg, dict(bundle.config["genome"]["chrom_sizes"]))
    t_check = time.perf_counter() - t0
    print(f"tiny bundle: export {t_export:.2f} s, read and check {t_check:.2f} s")
    assert (
        bundle.versions["keras"]
        == json.loads((run / "results/models/factornet/CTCF.card.json").read_text())["versions"]["keras"]
    )
    target = tmp_path / "predict"
    (target / "results/release").mkdir(parents=True)
    shutil.copy(run / CHROM_SIZES, target / CHROM_SIZES)
    assert main(["install", str(tmp_path / "models.zip"), str(target), "--config", str(cfg_path)]) == 0
    for rel in bundle_files(bundle):
        assert filecmp.cmp(run / rel, target / rel, shallow=False), rel


@pytest.mark.slow
def test_installed_models_are_where_the_workflow_looks_for_them(trained_run, tmp_path):
    """The run's own models replaced by the bundle's: Snakemake finds every model file up to date."""
    run, cfg_path = trained_run
    export_bundle(run, tmp_path / "models.zip", *load_run_config(run, [cfg_path]))
    copy = shutil.copytree(run, tmp_path / "copy", symlinks=True)
    shutil.rmtree(copy / "results/models")
    shutil.rmtree(copy / "results/calibration")
    files = install_models(read_bundle(tmp_path / "models.zip"), copy)
    r = snakemake(copy, "-n", *[str(p.relative_to(copy)) for p in files], "--configfile", str(cfg_path))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Nothing to be done" in r.stdout + r.stderr, (r.stdout + r.stderr)[-2000:]


@pytest.mark.slow
def test_a_trained_runs_bundle_refuses_another_factornet_input_length(trained_run, tmp_path, capsys):
    run, cfg_path = trained_run
    export_bundle(run, tmp_path / "models.zip", *load_run_config(run, [cfg_path]))
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["factornet"]["input_length"] = 1000
    target = tmp_path / "predict"
    (target / "results/release").mkdir(parents=True)
    shutil.copy(run / CHROM_SIZES, target / CHROM_SIZES)
    (target / "config.yaml").write_text(yaml.safe_dump(cfg))
    err = refused(capsys, "install", tmp_path / "models.zip", target)
    assert err == (
        f"dreamtf install: error: {tmp_path / 'models.zip'}: factornet.input_length is 400 in the bundle but 1000 "
        "in this run"
    )
    nothing_installed(target)
