# Configuration checks, wildcard constraints and the input functions of every rule. No rules here.
# Each input function returns a dict of named inputs (used with unpack()), built in one place,
# so a rule cannot pair one cell's file with another cell's name.
import re
import sys
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from dreamtf import registry  # noqa: E402
from dreamtf import release as rl  # noqa: E402
from dreamtf.config import schema as config_schema  # noqa: E402
from dreamtf.config import validate_config  # noqa: E402
from dreamtf.errors import DreamTFError, os_error_message  # noqa: E402
from dreamtf.featurestore import group_key  # noqa: E402
from dreamtf.genomes import GENOMES  # noqa: E402
from dreamtf.simulate import DEFAULT_TFS as SIMULATED_TFS_OF_PRESET  # noqa: E402


def error_line(exc):
    return os_error_message(exc) if isinstance(exc, OSError) else str(exc)


CONFIG_SOURCE = " + ".join(str(f) for f in workflow.configfiles) or "config"
# a run that predicts with a bundle's models (models_from) takes what its config leaves
# out, models and their settings among them, from the bundle, and trains nothing
BUNDLE = None
_raw = dict(config)
if config.get("models_from"):
    from dreamtf import bundle as bd  # noqa: E402

    try:
        BUNDLE = bd.read_bundle(
            bd.locate_bundle(
                config["models_from"],
                config.get("models_from_md5"),
                "resources/bundles",
                source=CONFIG_SOURCE,
            ),
            verify=False,
        )
        _raw = bd.predicting_config(_raw, BUNDLE, source=CONFIG_SOURCE)
    except (DreamTFError, OSError) as exc:
        raise WorkflowError(error_line(exc)) from None
try:
    _checked = validate_config(
        _raw,
        Path(workflow.basedir) / "schemas" / "config.schema.yaml",
        source=CONFIG_SOURCE,
    )
except DreamTFError as exc:
    raise WorkflowError(str(exc)) from None
config.clear()
config.update(_checked)
# clusters of a fragments file too sparse to call peaks on: named here and in the report,
# and left out of the run, which goes on with the others
from dreamtf import pseudobulk  # noqa: E402

try:
    READS_SKIPPED = pseudobulk.small_clusters(
        config["cells"], config["reads"]["min_fragments"], "results/reads/counts"
    )
except DreamTFError as exc:
    raise WorkflowError(str(exc)) from None
if READS_SKIPPED:
    from snakemake.logging import logger  # noqa: E402

    for _cell, _why in READS_SKIPPED.items():
        logger.warning(_why)
        del config["cells"][_cell]
        for _spec in config["tfs"].values():
            if _cell in _spec["predict_cells"]:
                _spec["predict_cells"].remove(_cell)
    for _tf, _spec in config["tfs"].items():
        if not _spec["test_cells"] and not _spec["predict_cells"]:
            raise WorkflowError(
                f"{CONFIG_SOURCE}: 'tfs.{_tf}': every prediction cell was skipped (too few fragments); "
                "nothing is left to predict"
            )

REL = config["release"]["path"]


SOURCE = config["release"]["source"]
# source http, synapse or encode: the server's manifest.tsv (path: Entry), the Synapse listing
# (path: Synapse id; both kept in REL) or the config's accessions say which files the release has
REMOTE = {}
if SOURCE == "http":
    import os

    from dreamtf.io import download as dl  # noqa: E402
    from dreamtf.io.manifest import MANIFEST_NAME  # noqa: E402

    # credentials leave the config here: Snakemake records params and pickles the config into
    # every job's script, so the downloads read them from the environment, which it keeps nowhere
    config["release"]["url"], _auth = dl.release_credentials(config["release"]["url"])
    if _auth:
        os.environ[dl.AUTH_ENV] = ":".join(_auth)
    try:
        REMOTE = dl.fetch_manifest(
            config["release"]["url"],
            Path(REL) / MANIFEST_NAME,
            auth=_auth,
            retries=config["release"]["retries"],
        )
    except (DreamTFError, OSError) as exc:
        raise WorkflowError(f"release.url: {error_line(exc)}") from None
elif SOURCE == "encode":
    # path: {"url", "md5"} (genome files) or {"accession", "kind", ...} (ENCODE files)
    REMOTE = rl.encode_files(config["release"], config["tfs"], config["cells"])
elif SOURCE == "synapse":
    from dreamtf.io.manifest import check_rel_path  # noqa: E402
    from dreamtf.io.synapse import LISTING_NAME, release_listing  # noqa: E402

    try:
        REMOTE = release_listing(Path(REL) / LISTING_NAME)
        # each path is a download's output: none may land outside the release
        for _path in REMOTE:
            check_rel_path(_path, str(Path(REL) / LISTING_NAME))
    except (DreamTFError, OSError) as exc:
        raise WorkflowError(error_line(exc)) from None
FASTA = config["release"]["fasta"]
# the genome FASTA and GTF every job reads: in the release folder, or (source genome) where
# the config names them, read in place
if SOURCE == "genome":
    GENOME_FASTA = config["release"]["fasta"]
    GTF = config["release"].get("gtf")
else:
    GENOME_FASTA = str(rl.fasta_path(REL, FASTA))
    GTF = str(rl.gtf_path(REL, config["release"]["genome"]))
TFS = config["tfs"]
# the models the run asks for, by name: each with its family (dreamtf/registry.py) and settings
try:
    RUN = registry.models(config, config_schema(), source=CONFIG_SOURCE)
except DreamTFError as exc:
    raise WorkflowError(str(exc)) from None
# predictions a prediction cell without RNA-seq cannot have: the models that read expression,
# each skipped with one line here and in the report, not an error
try:
    SKIPPED = registry.expression_skips(RUN, config, source=CONFIG_SOURCE)
except DreamTFError as exc:
    raise WorkflowError(str(exc)) from None
if SKIPPED:
    from snakemake.logging import logger  # noqa: E402

    for _why in SKIPPED.values():
        logger.warning(_why)
# the record of how this run's genome differs from the bundle's (rule install_models)
BUNDLE_GENOME = "results/release/bundle_genome.json"
# the models this run trains: none when they come from a bundle
TRAINED = [] if BUNDLE else [m for m in RUN.values() if m.family.trains]
if BUNDLE:
    try:  # with the bundle's own genome now; rule install_models again, with this run's
        bd.check_compatible(BUNDLE, config, BUNDLE.config["genome"]["chrom_sizes"])
    except DreamTFError as exc:
        raise WorkflowError(str(exc)) from None
# a simulated release always holds its preset's TFs and cells, whichever of them a run
# uses, so that choosing a subset re-simulates nothing
SIMULATED_TFS = SIMULATED_TFS_OF_PRESET if SOURCE == "simulate" else {}
try:
    rl.check_simulated_cells(
        TFS, SIMULATED_TFS, set(config["cells"]), source=CONFIG_SOURCE
    )
    rl.check_own_cells(
        config["cells"], set(rl.cells_of(TFS)), REL, source=CONFIG_SOURCE
    )
except DreamTFError as exc:
    raise WorkflowError(str(exc)) from None


def trained_pattern(family):
    """The model wildcard of a family's training rules: none of them runs when a bundle gives the models."""
    return "(?!)" if BUNDLE else registry.pattern(RUN, family)


def models_of(family):
    """The run's models of ``family``, in the order of ``models``."""
    return [m for m in RUN.values() if m.family.name == family]


def model_env(wildcards):
    return registry.env(RUN[wildcards.model])


def settings(wildcards):
    return RUN[wildcards.model].settings


def job_threads(most):
    """Threads for a job that can use up to ``most``: a quarter of the cores given, at least one.

    On a few cores every job takes one, so that jobs of one thread and jobs that could use
    more never leave a core idle waiting for a second one to free up; on many cores the
    jobs that gain from threads get several.
    """
    try:
        cores = workflow.cores
    except WorkflowError:  # a cluster run sets no total: each job gets a node's share
        return min(most, 2)
    return max(1, min(most, (cores or 1) // 4))


def stage_regions(stage):
    """The region file a stage predicts: the test file's held-out windows, or the training file's."""
    return str(rl.regions_path(REL, "test" if stage == "predictions" else "train"))


def stage_chroms(stage):
    """The chromosomes a stage predicts: the whole region file, or the validation chromosomes."""
    return None if stage == "predictions" else config["chromosomes"]["validation"]


wildcard_constraints:
    tf="[A-Za-z0-9_-]+",
    cell="[A-Za-z0-9_+-]+",
    split="train|ladder|test",
    model="[A-Za-z0-9_]+",
    feature_set="[A-Za-z0-9_]+",
    stage="|".join(registry.STAGES),


def release_has(path):
    """Whether the release has the file ``path`` (under REL): on disk, or in the remote listing."""
    if REMOTE:
        return Path(path).relative_to(REL).as_posix() in REMOTE
    return Path(path).is_file()


def release_labels(tf, split):
    """A label TSV shipped with the release (None when the release has none).

    A simulated release has training labels for its own training cells of each TF: a run
    that trains on others derives its labels from the ChIP-seq peaks, as for held-out cells.
    """
    path = rl.labels_path(REL, tf, split)
    if SOURCE == "simulate":
        simulated = SIMULATED_TFS[tf]["train_cells"]
        usable = split == "train" and set(TFS[tf]["train_cells"]) <= set(simulated)
        return str(path) if usable else None
    return str(path) if release_has(path) else None


def labels_file(tf, split):
    """The release's label TSV when it has one, else the one derived from peaks."""
    return release_labels(tf, split) or f"results/labels/{tf}.{split}.labels.tsv.gz"


def split_cells(tf, split):
    return TFS[tf]["train_cells"] if split == "train" else TFS[tf]["test_cells"]


def tf_cells(tf):
    return TFS[tf]["train_cells"] + TFS[tf]["test_cells"] + TFS[tf]["predict_cells"]


def model_runs(kind, skipped=False):
    """One dict per prediction of ``kind`` (``test``: scored held-out cells; ``predict``:
    prediction cells): model, feature_set, tf, cell and its predictions file; those a cell
    without RNA-seq skips (SKIPPED) only when ``skipped``, then with the reason (``why``).
    """
    runs = [
        dict(
            model=m.name,
            feature_set=fs,
            tf=tf,
            cell=cell,
            predictions=f"results/predictions/{m.name}/{fs}/F.{tf}.{cell}.tab.gz",
        )
        for m in RUN.values()
        for fs in m.feature_sets
        for tf, spec in TFS.items()
        for cell in spec[f"{kind}_cells"]
    ]
    key = lambda r: (r["model"], r["feature_set"], r["tf"], r["cell"])
    if skipped:
        return [dict(r, why=SKIPPED[key(r)]) for r in runs if key(r) in SKIPPED]
    return [r for r in runs if key(r) not in SKIPPED]


def scored_runs():
    """The held-out cells' predictions, scored against their labels."""
    return model_runs("test")


def region_files():
    return [str(rl.regions_path(REL, s)) for s in ("train", "test")]


def release_record():
    """An ENCODE release's record of its accessions (rule encode_record), which no job reads."""
    return [f"{REL}/encode.json"] if SOURCE == "encode" else []


def release_check():
    """What check_release reads: the genome and the region files, nothing of any TF or cell.

    Cells (rule check_cell) and label files (rule check_labels) are checked one by one, so
    that adding or removing a TF or a cell changes nothing that every other job reads.
    """
    splits = (
        ["train", "test"] if TRAINED or any(TFS[tf]["test_cells"] for tf in TFS) else []
    )
    return {
        "fasta": GENOME_FASTA,
        "regions": {
            s: str(rl.regions_path(REL, s)) for s in splits or ["train", "test"]
        },
    }


def check_release_inputs(wildcards):
    plan = release_check()
    return {"fasta": plan["fasta"], "regions": list(plan["regions"].values())}


def labels_checked(tf, split):
    """The record that the release's label file of (tf, split) was checked (rule check_labels).

    Every job reading a release's label file waits for it; labels derived from peaks
    (rule derive_labels) need none, the run writes them from checked files itself.
    """
    if release_labels(tf, split):
        return [f"results/release/labels/{tf}.{split}.json"]
    return []


def labels_inputs(tf, split):
    """A job's label file of (tf, split), with the record of its check when the release ships it."""
    return {
        "labels": labels_file(tf, split),
        "labels_checked": labels_checked(tf, split),
    }


def derive_labels_inputs(wildcards):
    cells = split_cells(wildcards.tf, wildcards.split)
    return {
        "regions": str(rl.regions_path(REL, wildcards.split)),
        "conservative": [
            str(rl.chip_peaks_path(REL, wildcards.tf, c, "conservative")) for c in cells
        ],
        "relaxed": [
            str(rl.chip_peaks_path(REL, wildcards.tf, c, "relaxed")) for c in cells
        ],
        "sizes": "results/release/chrom.sizes",
    }


def feature_files(fs, tf, cell):
    """The cache files that feature set ``fs`` reads for (tf, cell)."""
    return [
        f"results/features/{g}/{group_key(g, tf, cell)}.npz"
        for g in config["feature_sets"][fs]
    ]


def uses_expression(fs):
    return "expression" in config["feature_sets"][fs]


def evaluate_peaks_inputs(wildcards):
    """A held-out peak list, its calibration, scores and labels, and the cell's ChIP-seq peaks when released."""
    w = wildcards
    out = {
        "peaks": f"results/peaks/{w.model}/{w.feature_set}/{w.tf}.{w.cell}.narrowPeak.gz",
        "calibration": f"results/calibration/{w.model}/{w.feature_set}/{w.tf}.json",
        "predictions": f"results/predictions/{w.model}/{w.feature_set}/F.{w.tf}.{w.cell}.tab.gz",
        **labels_inputs(w.tf, "test"),
    }
    chip = rl.chip_peaks_path(REL, w.tf, w.cell, "conservative")
    if SOURCE == "simulate" or release_has(chip):
        out["chip"] = str(chip)
    return out


def run_files(template):
    """``template`` filled in for every scored run ({model}, {feature_set}, {tf}, {cell})."""
    return [template.format(**r) for r in scored_runs()]


def family_targets():
    """What each family's models make beyond predictions: a ``<family>_targets()`` below, if it has one."""
    found = (globals().get(f"{name}_targets") for name in registry.FAMILIES)
    return [path for targets in found if targets for path in targets()]
