"""Model bundles: a run's trained models in one file, to predict with in another run ("train once, predict anywhere").

A bundle (the zip of :mod:`dreamtf.io.bundlefile`) holds, under the paths a training run
writes them to, every file that predicting with the run's models reads:

- catchitt: ``results/models/<model>/<feature_set>/<TF>.<cell>.zip`` and ``.card.json``,
  one per training cell;
- factornet: ``results/models/<model>/<TF>.keras``, ``.json``, ``.card.json``, ``.history.csv``;
- ensemble: its weights, ``results/models/<model>/<feature_set>/<TF>.json``;
- every model, baseline included: its peak thresholds,
  ``results/calibration/<model>/<feature_set>/<TF>.json``;
- a feature set with ``motif_learned``: the motifs learned from the training cells,
  ``results/motifs/learned/<TF>.meme`` (a predicting run scans them, and learns none);

and in ``bundle.json`` the parts of the training run's config that predicting depends on
(:func:`describe_run`): genome build and chromosome sizes, the window grid, the TFs and
their training cells, each model's family and settings, the feature sets the models use
with the feature groups' settings, FactorNet's inputs, and the versions of the libraries
that trained the models.

The functions, in the order a predicting run uses them: :func:`fetch_bundle` (by URL and
md5), :func:`read_bundle` (every member verified), :func:`check_compatible` (the run's
config and genome against the bundle's), :func:`bundle_files` (the paths it installs) and
:func:`install_models` (all or nothing). :func:`export_bundle` writes one from a run.
"""

from __future__ import annotations

import copy
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import registry
from .bundlecheck import FACTORNET_INPUTS, FACTORNET_TRACKS, LIBRARIES, motif_record
from .bundlecheck import check_compatible as check_compatible
from .config import SCHEMA_PATH, load_configs, schema
from .errors import DreamTFError
from .io.bundlefile import FORMAT_VERSION, MANIFEST, extract_members, read_bundle_file, write_bundle_file
from .io.bundlefile import fetch_bundle as fetch_bundle
from .io.chroms import read_chrom_sizes
from .io.manifest import Entry
from .modelcard import versions as library_versions
from .owncells import READS_SOURCES

log = logging.getLogger(__name__)

#: where a run keeps the chromosome sizes of its FASTA (rule check_release)
CHROM_SIZES = "results/release/chrom.sizes"
#: the folders of a run a bundle installs into (the learned motifs: what catchitt's learned group scans)
ROOTS = ("results/models/", "results/calibration/", "results/motifs/learned/")
#: every model's peak thresholds, per feature set and TF
CALIBRATION = "results/calibration/{model}/{feature_set}/{tf}.json"
LEARNED_MOTIFS = "results/motifs/learned/{tf}.meme"


@dataclass(frozen=True)
class Bundle:
    """A bundle read and verified by :func:`read_bundle`.

    Attributes
    ----------
    path
        The bundle file.
    format_version, dreamtf_version, created
        Its format version, the dreamtf that wrote it, and when (UTC, ISO 8601).
    versions
        Library -> version that trained the models (``xgboost``, ``keras``, ``numpy``, ``dreamtf``, ...).
    config
        The training run's settings that predicting needs (:func:`describe_run`).
    members
        Relative path (as in the run) -> its entry (path, bytes, md5).
    """

    path: Path
    format_version: int
    dreamtf_version: str
    created: str
    versions: dict
    config: dict
    members: dict[str, Entry]


def model_files(cfg: dict, run: dict[str, registry.Model]) -> list[str]:
    """The files, relative to the run folder, that a run of ``cfg`` trains and a bundle of it holds.

    ``run`` is :func:`dreamtf.registry.models` of ``cfg``. Models first (in the order of
    ``models``, then TFs, feature sets, training cells), then peak thresholds.
    """
    models, thresholds, learned = [], [], []
    for m in run.values():
        for tf, spec in cfg["tfs"].items():
            for fs in m.feature_sets:
                for cell in spec["train_cells"]:
                    for template in m.family.model_files:
                        models.append(template.format(model=m.name, feature_set=fs, tf=tf, cell=cell))
                thresholds.append(CALIBRATION.format(model=m.name, feature_set=fs, tf=tf))
                # motifs learned from the training cells are part of the model, as its weights are
                if m.family.feature_sets is None and "motif_learned" in cfg["feature_sets"][fs]:
                    learned.append(LEARNED_MOTIFS.format(tf=tf))
    return list(dict.fromkeys(models + thresholds + learned))


def load_run_config(run_dir: str | os.PathLike, configs: list | tuple = ()) -> tuple[dict, str]:
    """A run's validated config, as the workflow assembled it; returns (config, the files' names joined by ``+``).

    The profiles replace the Snakefile's ``config.yaml`` by the ``--configfile`` files, each
    on top of the ones before; a run without them read ``run_dir/config.yaml``. So does this.
    """
    default = Path(run_dir) / "config.yaml"
    paths = [Path(c) for c in configs] or ([default] if default.is_file() else [])
    if not paths:
        raise DreamTFError(f"{default}: not found; name the run's config files with --config")
    return load_configs(paths, SCHEMA_PATH)


def describe_run(cfg: dict, run: dict[str, registry.Model], chrom_sizes: dict[str, int], base: Path) -> dict:
    """The settings of a run that predicting with its models depends on (``config`` in ``bundle.json``).

    ``base`` is the run folder (relative motif files are read from it). Keys: ``genome``
    (build, FASTA name, chromosome sizes), ``windows`` (size, step), ``chromosomes`` (test,
    validation), ``tfs`` (each TF's training cells), ``models`` (name -> family, feature
    sets, ensemble members, settings), ``variants``, ``feature_sets`` (those the models
    use -> their groups), ``features`` (flank_bins; each TF's motif when a set uses the motif
    group), ``factornet_inputs`` (factornet model -> input_length, tracks, dnase_norm,
    meta_pcs).
    """
    sets = list(dict.fromkeys(fs for m in run.values() if m.family.feature_sets is None for fs in m.feature_sets))
    groups = {g for fs in sets for g in cfg["feature_sets"][fs]}
    features = {"flank_bins": cfg["features"]["flank_bins"], "motifs": {}}
    if "motif" in groups:
        features["motifs"] = {tf: motif_record(tf, cfg["features"]["motifs"].get(tf), base) for tf in cfg["tfs"]}
    return {
        "genome": {"build": cfg["release"]["genome"], "fasta": cfg["release"]["fasta"], "chrom_sizes": chrom_sizes},
        "windows": {"size": cfg["windows"]["size"], "step": cfg["windows"]["step"]},
        "chromosomes": {k: list(v) for k, v in cfg["chromosomes"].items()},
        "tfs": {tf: {"train_cells": list(spec["train_cells"])} for tf, spec in cfg["tfs"].items()},
        "models": {
            m.name: {
                "family": m.family.name,
                "feature_sets": list(m.feature_sets),
                "members": list(m.members),
                "settings": m.settings,
            }
            for m in run.values()
        },
        "variants": {name: spec for name, spec in cfg["variants"].items() if name in run},
        # where the training cells' signal and peaks came from: the release's files, or reads
        "accessibility": cfg["accessibility"],
        "feature_sets": {fs: list(cfg["feature_sets"][fs]) for fs in sets},
        "features": features,
        "factornet_inputs": {
            m.name: {"tracks": list(FACTORNET_TRACKS), **{k: m.settings[k] for k in FACTORNET_INPUTS}}
            for m in run.values()
            if m.family.name == "factornet"
        },
    }


def _trained_with(run_dir: Path, files: list[str]) -> dict[str, str]:
    """Library versions: those the model cards name (what trained the models), else this environment's."""
    import json

    out = library_versions(*LIBRARIES.values())
    for rel in files:
        if rel.endswith(".card.json"):
            try:
                card = json.loads((run_dir / rel).read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DreamTFError(f"{run_dir / rel}: not a model card ({exc})") from None
            out.update(card.get("versions", {}))
    return out


def export_bundle(run_dir: str | os.PathLike, path: str | os.PathLike, cfg: dict, source: str = "config") -> Bundle:
    """Write the models of the run in ``run_dir`` (trained on ``cfg``, a validated config) as the bundle ``path``.

    Refuses, in one line naming the first missing path, a run folder that lacks the
    chromosome sizes or any model file the config implies; ``path`` must end in ``.zip``.
    """
    run_dir, path = Path(run_dir), Path(path)
    if path.suffix != ".zip":
        raise DreamTFError(f"{path}: a bundle is a zip file; give it a name ending in .zip")
    run = registry.models(cfg, schema(), source)
    files = model_files(cfg, run)
    for rel in [CHROM_SIZES, *files]:
        if not (run_dir / rel).is_file():
            raise DreamTFError(
                f"{run_dir / rel}: missing; the run's config ({source}) implies it: "
                "run the workflow to its end in that folder first, then export"
            )
    header = {
        "dreamtf_version": library_versions()["dreamtf"],
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _trained_with(run_dir, files),
        "config": describe_run(cfg, run, read_chrom_sizes(run_dir / CHROM_SIZES), run_dir),
    }
    entries = write_bundle_file(path, header, {rel: run_dir / rel for rel in files})
    return Bundle(
        path,
        FORMAT_VERSION,
        header["dreamtf_version"],
        header["created"],
        header["versions"],
        header["config"],
        entries,
    )


#: keys of ``config`` in bundle.json that checking and installing read
_CONFIG_KEYS = ("genome", "windows", "tfs", "models", "feature_sets", "features", "factornet_inputs")


def read_bundle(path: str | os.PathLike, *, verify: bool = True) -> Bundle:
    """Read the bundle ``path``; with ``verify`` (the default) every member's size and md5 is checked.

    A truncated or corrupt zip, a wrong md5 or size, an unknown format version, or a member
    outside :data:`ROOTS` is one :class:`DreamTFError`
    naming the bundle and the member. ``verify=False`` reads ``bundle.json`` only (a
    Snakefile listing the files at start-up); installing verifies each member again.
    """
    manifest, members = read_bundle_file(path, verify=verify)
    for name in members:
        if not name.startswith(ROOTS):
            raise DreamTFError(f"{path}: member {name} is outside {', '.join(ROOTS)}; not a model file")
    config = manifest.get("config")
    for key in _CONFIG_KEYS:
        if not isinstance(config, dict) or key not in config:
            raise DreamTFError(f"{path}: member {MANIFEST}: no 'config.{key}'")
    if not isinstance(manifest.get("versions"), dict):
        raise DreamTFError(f"{path}: member {MANIFEST}: no 'versions'")
    return Bundle(
        Path(path),
        manifest["format_version"],
        str(manifest.get("dreamtf_version", "unknown")),
        str(manifest.get("created", "unknown")),
        manifest["versions"],
        config,
        members,
    )


def bundle_files(bundle: Bundle) -> list[str]:
    """The paths, relative to a run folder, that :func:`install_models` writes (a rule's outputs)."""
    return list(bundle.members)


def install_models(bundle: Bundle, run_dir: str | os.PathLike) -> list[Path]:
    """Write the bundle's model files into ``run_dir`` where a training run writes them; all or nothing.

    Every member is verified again as it is written; on any error no new file is left under
    any target's name. Returns the paths written.
    """
    written = extract_members(bundle.path, bundle.members, run_dir)
    log.info("%s: %d model files installed into %s", bundle.path, len(written), run_dir)
    return written


def predicting_config(raw: dict, bundle: Bundle, source: str = "config.yaml") -> dict:
    """The raw config of a run that predicts with ``bundle``: what it leaves out, taken from the bundle.

    ``raw`` is the config as the user wrote it (before the schema's defaults): its models,
    variants, the models' settings, feature sets, window grid, ``features.flank_bins`` and
    each TF's training cells default to the bundle's, so that a predicting config names
    little more than its cells. What it does set is kept, and :func:`check_compatible`
    refuses what disagrees with the bundle. A TF the bundle has no models for is refused.
    """
    cfg = copy.deepcopy(raw)
    rec = bundle.config
    for tf, spec in cfg.get("tfs", {}).items():
        if tf not in rec["tfs"]:
            raise DreamTFError(
                f"{source}: 'tfs.{tf}': {bundle.path} has no models of {tf} (its TFs: {', '.join(rec['tfs'])})"
            )
        if isinstance(spec, dict):
            spec.setdefault("train_cells", list(rec["tfs"][tf]["train_cells"]))
    cfg.setdefault("models", list(rec["models"]))
    cfg.setdefault("variants", copy.deepcopy(rec.get("variants", {})))
    cfg.setdefault("feature_sets", copy.deepcopy(rec["feature_sets"]))
    cfg.setdefault("windows", dict(rec["windows"]))
    # the release's cells (held-out ones) through the pipeline the models were trained on,
    # where the release can have reads (a downloaded one has its tracks only)
    if cfg.get("release", {}).get("source", "simulate") in READS_SOURCES:
        cfg.setdefault("accessibility", rec.get("accessibility", "files"))
    cfg.setdefault("features", {}).setdefault("flank_bins", rec["features"]["flank_bins"])
    for name, model in rec["models"].items():
        section = registry.FAMILIES[model["family"]].settings
        if name == model["family"] and section and section not in cfg:
            cfg[section] = copy.deepcopy(model["settings"])
    return cfg


def locate_bundle(models_from: str, md5: str | None, dest_dir: str | os.PathLike, source: str = "config.yaml") -> Path:
    """The local file of ``models_from``: the path itself, or a URL's bundle fetched into ``dest_dir``."""
    scheme = models_from.split("://", 1)[0].lower() if "://" in models_from else ""
    if scheme:
        if not md5:
            raise DreamTFError(f"{source}: 'models_from' is a URL; set models_from_md5 to the bundle's md5")
        name = Path(models_from.split("?", 1)[0].rstrip("/")).name or "bundle.zip"
        return fetch_bundle(models_from, md5, Path(dest_dir) / name)
    path = Path(models_from)
    if not path.is_file():
        raise DreamTFError(f"{source}: 'models_from': no file {models_from}")
    return path
