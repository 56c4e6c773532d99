"""Whether a bundle's models fit a run: genome, windows, TFs, models, features, FactorNet's inputs, libraries.

Each check compares what the bundle recorded of its training run (``config`` in
``bundle.json``, :func:`dreamtf.bundle.describe_run`) with the predicting run's validated
config, and refuses the first difference in one line naming both sides, e.g.
``models.zip: windows.size is 200 in the bundle but 100 in this run``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import registry
from .config import schema
from .errors import DreamTFError
from .io.chroms import chrom_sort_key
from .modelcard import versions as library_versions

if TYPE_CHECKING:
    from .bundle import Bundle

#: the library whose saved models a family's files are; a bundle and a run must share its major version
LIBRARIES = {"catchitt": "xgboost", "factornet": "keras"}
#: FactorNet's input tracks, in the order of its channels: one-hot sequence, then the cell's DNase
FACTORNET_TRACKS = ("sequence", "dnase")
#: FactorNet settings that shape its inputs: a bundle's and a run's must agree
FACTORNET_INPUTS = ("input_length", "dnase_norm", "meta_pcs")
#: the feature groups whose columns depend on features.flank_bins
FLANKED = ("dnase", "motif")


def motif_record(tf: str, spec: str | None, base: Path) -> dict:
    """TF's motif as configured (``spec``: a JASPAR id, a file, relative ones under ``base``, or None for
    the TF's own JASPAR matrix): the spec, where it came from, its matrix id and base probabilities."""
    from .motifs import resolve_motif

    if spec and not Path(spec).is_absolute() and (base / spec).is_file():
        spec = str(base / spec)
    motif = resolve_motif(tf, spec)
    return {
        "matrix": spec,
        "source": Path(spec).name if spec and Path(spec).is_file() else "JASPAR",
        "matrix_id": motif.matrix_id,
        "probs": motif.probs.round(6).tolist(),
    }


def _show(value) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "none" if value is None else str(value)


def _same(src, what: str, ours, theirs) -> None:
    """Refuse ``ours`` (the bundle's) != ``theirs`` (this run's) in one line naming ``what``."""
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        ours, theirs = list(ours), list(theirs)
    if ours != theirs:
        raise DreamTFError(f"{src}: {what} is {_show(ours)} in the bundle but {_show(theirs)} in this run")


def genome_differences(genome: dict, release: dict, chrom_sizes: dict[str, int]) -> str:
    """What differs between the genome the bundle's models were trained on and this run's, in one
    line ('' when nothing does): the build, chromosomes on one side only, and other lengths.

    None of it stops the models: each window's features come from this run's genome and cells,
    so hg19 models predict on GRCh38 or a mouse genome. Window geometry, feature definitions,
    motifs, FactorNet's inputs and library versions must match, and are refused otherwise.
    """
    ours, theirs = genome["chrom_sizes"], chrom_sizes
    build = "a genome of your own" if release["source"] == "genome" else release["genome"]
    parts = []
    if build != genome["build"]:
        parts.append(f"build {build} (the bundle: {genome['build']})")
    only_ours = [c for c in sorted(ours, key=chrom_sort_key) if c not in theirs]
    only_theirs = [c for c in sorted(theirs, key=chrom_sort_key) if c not in ours]
    other = [c for c in sorted(set(ours) & set(theirs), key=chrom_sort_key) if ours[c] != theirs[c]]

    def some(chroms: list[str], show) -> str:
        return ", ".join(show(c) for c in chroms[:3]) + (f" and {len(chroms) - 3} more" if len(chroms) > 3 else "")

    if only_ours:
        parts.append(f"{len(only_ours)} of the bundle's chromosomes not here ({some(only_ours, str)})")
    if only_theirs:
        parts.append(f"{len(only_theirs)} chromosomes the bundle's genome lacks ({some(only_theirs, str)})")
    if other:
        lengths = some(other, lambda c: f"{c} {theirs[c]} bp, {ours[c]} there")
        parts.append(f"{len(other)} chromosomes of other lengths ({lengths})")
    if not parts:
        return ""
    return (
        f"this run's genome differs from the one the bundle's models were trained on: {'; '.join(parts)}; "
        "they predict from this genome's sequence and this run's cells all the same"
    )


def _check_tfs(src, ours: dict, theirs: dict) -> None:
    for tf, spec in theirs.items():
        if tf not in ours:
            raise DreamTFError(f"{src}: TF {tf} of this run has no models in the bundle (its TFs: {', '.join(ours)})")
        _same(src, f"tfs.{tf}.train_cells", ours[tf]["train_cells"], spec["train_cells"])


def _settings_key(model: registry.Model, key: str) -> str:
    """Where ``key`` of ``model`` is set in a config: its family's section, or its variant's."""
    if model.name == model.family.name or key in model.family.shared:
        return f"{model.family.settings}.{key}"
    return f"variants.{model.name}.{key}"


def _check_models(src, ours: dict, run: dict[str, registry.Model]) -> None:
    for name, model in run.items():
        if name not in ours:
            raise DreamTFError(f"{src}: model {name} of this run is not in the bundle (its models: {', '.join(ours)})")
        _same(src, f"the family of model {name}", ours[name]["family"], model.family.name)
        if model.family.members:
            _same(src, _settings_key(model, "members"), ours[name]["members"], model.members)
        for fs in model.feature_sets:
            if fs not in ours[name]["feature_sets"]:
                raise DreamTFError(
                    f"{src}: model {name} runs on feature set {fs} in this run, but the bundle has it on "
                    f"{_show(ours[name]['feature_sets'])} only"
                )


def _motif_text(record: dict) -> str:
    where = "JASPAR" if record["source"] == "JASPAR" else f"the file {record['source']}"
    return f"{record['matrix_id']} from {where}"


def _check_features(src, recorded: dict, cfg: dict, run: dict[str, registry.Model], run_dir: Path) -> None:
    sets = dict.fromkeys(fs for m in run.values() if m.family.feature_sets is None for fs in m.feature_sets)
    for fs in sets:
        _same(src, f"feature_sets.{fs}", recorded["feature_sets"].get(fs), cfg["feature_sets"][fs])
    groups = {g for fs in sets for g in cfg["feature_sets"][fs]}
    if groups & set(FLANKED):
        _same(src, "features.flank_bins", recorded["features"]["flank_bins"], cfg["features"]["flank_bins"])
    if "motif" not in groups:
        return
    for tf in cfg["tfs"]:
        ours = recorded["features"]["motifs"][tf]
        theirs = motif_record(tf, cfg["features"]["motifs"].get(tf), run_dir)
        a, b = np.asarray(ours["probs"]), np.asarray(theirs["probs"])
        if a.shape != b.shape or not np.allclose(a, b, atol=1e-6):
            extra = " (other counts under the same name)" if _motif_text(ours) == _motif_text(theirs) else ""
            raise DreamTFError(
                f"{src}: features.motifs.{tf} is {_motif_text(ours)} in the bundle but {_motif_text(theirs)} "
                f"in this run{extra}"
            )


def _check_factornet(src, recorded: dict, run: dict[str, registry.Model]) -> None:
    for name, model in run.items():
        if model.family.name != "factornet":
            continue
        ours = recorded[name]
        _same(src, f"the input tracks of model {name}", ours["tracks"], FACTORNET_TRACKS)
        for key in FACTORNET_INPUTS:
            _same(src, _settings_key(model, key), ours[key], model.settings[key])


def _major(version: str) -> str:
    found = re.match(r"\d+", version)
    return found.group(0) if found else version


def _check_versions(src, ours: dict, run: dict[str, registry.Model], theirs: dict | None) -> None:
    libs = [LIBRARIES[f] for f in dict.fromkeys(m.family.name for m in run.values()) if f in LIBRARIES]
    theirs = theirs if theirs is not None else library_versions(*libs)
    for lib in libs:
        a, b = ours.get(lib), theirs.get(lib)
        if a in (None, "not installed") or b in (None, "not installed"):
            continue  # the jobs that load the models run where the library is installed, and check there
        if _major(a) != _major(b):
            raise DreamTFError(
                f"{src}: {lib} is {a} in the bundle but {b} in this run; models saved by one major version "
                f"need not load in another: predict with {lib} {_major(a)}.x"
            )


def check_compatible(
    bundle: Bundle,
    run_config: dict,
    chrom_sizes: dict[str, int],
    *,
    versions: dict[str, str] | None = None,
    run_dir: str | os.PathLike = ".",
) -> str:
    """Refuse, in one line naming both sides, a bundle whose models do not fit the run of ``run_config``;
    return what differs in the genome (:func:`genome_differences`, '' when nothing does).

    Parameters
    ----------
    bundle
        From :func:`dreamtf.bundle.read_bundle`.
    run_config
        The predicting run's validated config (defaults filled in).
    chrom_sizes
        The predicting run's chromosome sizes (its ``results/release/chrom.sizes``), bp.
    versions
        Library -> version of the environment that will load the models; by default this
        one's. A library installed on neither side is not compared.
    run_dir
        The folder relative motif files in ``run_config`` are read from.

    The genome may differ (another build, another species): the returned line says how, for
    the caller to report. Checked, in this order: window size and step; each
    TF of the run is in the bundle with the same training cells; each model of the run is
    in the bundle with the same family (an ensemble with the same members) and on the
    feature sets the run asks of it; those feature sets' groups, ``features.flank_bins``
    when a group uses it and each TF's motif matrix when the motif group is used;
    FactorNet's input tracks, ``input_length``, ``dnase_norm`` and ``meta_pcs``; the major
    versions of xgboost (catchitt) and keras (factornet).
    """
    rec, src = bundle.config, bundle.path
    run = registry.models(run_config, schema(), source="this run's config")
    for key in ("size", "step"):
        _same(src, f"windows.{key}", rec["windows"][key], run_config["windows"][key])
    _check_tfs(src, rec["tfs"], run_config["tfs"])
    _check_models(src, rec["models"], run)
    _check_features(src, rec, run_config, run, Path(run_dir))
    _check_factornet(src, rec["factornet_inputs"], run)
    _check_versions(src, bundle.versions, run, versions)
    return genome_differences(rec["genome"], run_config["release"], chrom_sizes)
