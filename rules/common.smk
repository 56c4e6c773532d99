# Configuration checks, wildcard constraints and small input functions. No rules here.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from dreamtf import release as rl  # noqa: E402
from dreamtf.config import validate_config  # noqa: E402
from dreamtf.errors import DreamTFError  # noqa: E402

try:
    _checked = validate_config(
        config,
        Path(workflow.basedir) / "schemas" / "config.schema.yaml",
        source=" + ".join(str(f) for f in workflow.configfiles) or "config",
    )
except DreamTFError as exc:
    raise WorkflowError(str(exc)) from None
config.clear()
config.update(_checked)

REL = config["release"]["path"]
FASTA = config["release"]["fasta"]
TFS = config["tfs"]
CELLS = rl.cells_of(TFS)
BASELINE_FEATURES = "dnase_max"
FACTORNET_FEATURES = "seq_dnase"
FACTORNET_ENV = (
    "../envs/tensorflow-gpu.yaml"
    if config["factornet"]["gpu"]
    else "../envs/tensorflow.yaml"
)


wildcard_constraints:
    tf="[A-Za-z0-9_-]+",
    cell="[A-Za-z0-9_+-]+",
    split="train|ladder|test",
    model="[a-z_]+",
    feature_set="[A-Za-z0-9_]+",
    group="dnase|dnase_peaks|motif|sequence|expression",


def release_root(fasta_path):
    """The release folder, from the path of its FASTA (<release>/annotations/<fasta>)."""
    return str(Path(fasta_path).parents[1])


def release_labels(tf, split):
    """A label TSV shipped with the release (None when the release has none)."""
    path = rl.labels_path(REL, tf, split)
    if config["release"]["source"] == "simulate":
        return str(path) if split == "train" else None
    return str(path) if path.is_file() else None


def labels_file(tf, split):
    """The release's label TSV when it has one, else the one derived from peaks."""
    return release_labels(tf, split) or f"results/labels/{tf}.{split}.labels.tsv.gz"


def split_cells(tf, split):
    return TFS[tf]["train_cells"] if split == "train" else TFS[tf]["test_cells"]


def scored_runs():
    """(model, feature_set, tf, cell) of every prediction that is scored."""
    runs = []
    for model in config["models"]:
        sets = {
            "baseline": [BASELINE_FEATURES],
            "factornet": [FACTORNET_FEATURES],
        }.get(model, list(config["feature_sets"]))
        for fs in sets:
            for tf, spec in TFS.items():
                for cell in spec["test_cells"]:
                    runs.append((model, fs, tf, cell))
    return runs


def tf_cells(tf):
    return TFS[tf]["train_cells"] + TFS[tf]["test_cells"]


def region_files():
    return [str(rl.regions_path(REL, s)) for s in ("train", "test")]


def rnaseq_files(cell):
    """The cell's RNA-seq replicate tables (two in a simulated release, all found in a local one)."""
    if config["release"]["source"] == "simulate":
        return [str(rl.rnaseq_path(REL, cell, r)) for r in (1, 2)]
    found = sorted(Path(REL, "RNAseq").glob(f"gene_expression.{cell}.biorep*.tsv"))
    return [str(p) for p in found] or [str(rl.rnaseq_path(REL, cell, 1))]


def feature_files(fs, tf, cell):
    """The cache files that feature set ``fs`` reads for (tf, cell)."""
    from dreamtf.featurestore import group_key

    return [
        f"results/features/{g}/{group_key(g, tf, cell)}.npz"
        for g in config["feature_sets"][fs]
    ]


def importance_targets():
    if "catchitt" not in config["models"]:
        return []
    return [
        f"results/models/catchitt/{fs}/{tf}.{cell}.importance.png"
        for fs in config["feature_sets"]
        for tf, spec in TFS.items()
        for cell in spec["train_cells"]
    ]


def score_parts():
    return [
        f"results/scores/parts/{m}/{fs}/{tf}.{cell}.json"
        for m, fs, tf, cell in scored_runs()
    ]


def peak_targets():
    return [
        f"results/peaks/{m}/{fs}/{tf}.{cell}.narrowPeak.gz"
        for m, fs, tf, cell in scored_runs()
    ]


def prediction_targets():
    return [
        f"results/predictions/{m}/{fs}/F.{tf}.{cell}.tab.gz"
        for m, fs, tf, cell in scored_runs()
    ]
