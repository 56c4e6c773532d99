# Configuration checks, wildcard constraints and the input functions of every rule. No rules here.
# Each input function returns a dict of named inputs (used with unpack()), built in one place,
# so a rule cannot pair one cell's file with another cell's name.
import re
import sys
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from dreamtf import release as rl  # noqa: E402
from dreamtf.config import validate_config  # noqa: E402
from dreamtf.errors import DreamTFError, os_error_message  # noqa: E402
from dreamtf.featurestore import group_key  # noqa: E402
from dreamtf.genomes import GENOMES  # noqa: E402

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


def error_line(exc):
    return os_error_message(exc) if isinstance(exc, OSError) else str(exc)


SOURCE = config["release"]["source"]
# source http, synapse or encode: the server's manifest.tsv (path: Entry), the Synapse listing
# (path: Synapse id; both kept in REL) or the config's accessions say which files the release has
REMOTE = {}
if SOURCE == "http":
    from dreamtf.io.download import fetch_manifest  # noqa: E402
    from dreamtf.io.manifest import MANIFEST_NAME  # noqa: E402

    try:
        REMOTE = fetch_manifest(
            config["release"]["url"],
            Path(REL) / MANIFEST_NAME,
            retries=config["release"]["retries"],
        )
    except (DreamTFError, OSError) as exc:
        raise WorkflowError(f"release.url: {error_line(exc)}") from None
elif SOURCE == "encode":
    # path: {"url", "md5"} (genome files) or {"accession", "kind", ...} (ENCODE files)
    REMOTE = rl.encode_files(config["release"], config["tfs"])
elif SOURCE == "synapse":
    from dreamtf.io.synapse import LISTING_NAME, release_listing  # noqa: E402

    try:
        REMOTE = release_listing(Path(REL) / LISTING_NAME)
    except (DreamTFError, OSError) as exc:
        raise WorkflowError(error_line(exc)) from None
FASTA = config["release"]["fasta"]
TFS = config["tfs"]
CELLS = rl.cells_of(TFS)
MODELS = config["models"]
TRAINED = [m for m in MODELS if m != "baseline"]
BASELINE_FEATURES = "dnase_max"
FACTORNET_FEATURES = "seq_dnase"


def ensemble_members(feature_set):
    """(model, feature set) of each member of the ensemble named after a catchitt feature set."""
    return [("catchitt", feature_set), ("factornet", FACTORNET_FEATURES)]


FACTORNET_ENV = {
    ("tensorflow", False): "../envs/tensorflow.yaml",
    ("tensorflow", True): "../envs/tensorflow-gpu.yaml",
    ("jax", False): "../envs/jax.yaml",
    ("jax", True): "../envs/jax-gpu.yaml",
    ("torch", False): "../envs/torch.yaml",
    ("torch", True): "../envs/torch.yaml",
}[(config["factornet"]["backend"], config["factornet"]["gpu"])]


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


def release_has(path):
    """Whether the release has the file ``path`` (under REL): on disk, or in the remote listing."""
    if REMOTE:
        return Path(path).relative_to(REL).as_posix() in REMOTE
    return Path(path).is_file()


def release_labels(tf, split):
    """A label TSV shipped with the release (None when the release has none)."""
    path = rl.labels_path(REL, tf, split)
    if SOURCE == "simulate":
        return str(path) if split == "train" else None
    return str(path) if release_has(path) else None


def labels_file(tf, split):
    """The release's label TSV when it has one, else the one derived from peaks."""
    return release_labels(tf, split) or f"results/labels/{tf}.{split}.labels.tsv.gz"


def split_cells(tf, split):
    return TFS[tf]["train_cells"] if split == "train" else TFS[tf]["test_cells"]


def tf_cells(tf):
    return TFS[tf]["train_cells"] + TFS[tf]["test_cells"]


def scored_runs():
    """One dict per scored prediction: model, feature_set, tf, cell and its file."""
    runs = []
    for model in MODELS:
        # catchitt and ensemble (catchitt on that set + factornet): every feature set
        sets = {
            "baseline": [BASELINE_FEATURES],
            "factornet": [FACTORNET_FEATURES],
        }.get(model, list(config["feature_sets"]))
        for fs in sets:
            for tf, spec in TFS.items():
                for cell in spec["test_cells"]:
                    path = f"results/predictions/{model}/{fs}/F.{tf}.{cell}.tab.gz"
                    runs.append(
                        dict(
                            model=model,
                            feature_set=fs,
                            tf=tf,
                            cell=cell,
                            predictions=path,
                        )
                    )
    return runs


def region_files():
    return [str(rl.regions_path(REL, s)) for s in ("train", "test")]


def rnaseq_files(cell):
    """The cell's RNA-seq replicate tables (two in a simulated release, all found in a local one)."""
    if SOURCE == "simulate":
        return [str(rl.rnaseq_path(REL, cell, r)) for r in (1, 2)]
    pattern = f"RNAseq/gene_expression.{cell}.biorep*.tsv"
    if REMOTE:
        found = [
            Path(REL, p) for p in sorted(REMOTE) if PurePosixPath(p).match(pattern)
        ]
    else:
        found = sorted(Path(REL).glob(pattern))
    return [str(p) for p in found] or [str(rl.rnaseq_path(REL, cell, 1))]


def expression_inputs(cells, needed):
    """The GTF and RNA-seq tables of ``cells`` when ``needed``, else nothing."""
    if not needed:
        return {}
    return {
        "gtf": str(rl.gtf_path(REL)),
        "rnaseq": [f for c in cells for f in rnaseq_files(c)],
    }


def release_check():
    """What check_release reads: the files of the release this run uses, and no others."""
    cells = CELLS if TRAINED else [c for tf in TFS for c in TFS[tf]["test_cells"]]
    bigwigs = {c: str(rl.dnase_bigwig_path(REL, c)) for c in dict.fromkeys(cells)}
    splits = ["train", "test"] if TRAINED else ["test"]
    labels = {}
    for tf in TFS:
        for split in ("train", "test") if TRAINED else ("test",):
            if release_labels(tf, split):
                labels[release_labels(tf, split)] = split_cells(tf, split)
    return {
        "fasta": str(rl.fasta_path(REL, FASTA)),
        "bigwigs": bigwigs,
        "regions": {s: str(rl.regions_path(REL, s)) for s in splits},
        "labels": labels,
    }


def check_release_inputs(wildcards):
    plan = release_check()
    return {
        "fasta": plan["fasta"],
        "bigwigs": list(plan["bigwigs"].values()),
        "regions": list(plan["regions"].values()),
        "labels": list(plan["labels"]),
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


def catchitt_inputs(wildcards):
    """Features, labels and (for expression) GTF and RNA-seq of one catchitt model's cell."""
    w = wildcards
    return {
        "features": feature_files(w.feature_set, w.tf, w.cell),
        "labels": labels_file(w.tf, "train"),
        **expression_inputs([w.cell], uses_expression(w.feature_set)),
    }


def predict_catchitt_inputs(wildcards):
    w = wildcards
    return {
        "models": [
            f"results/models/catchitt/{w.feature_set}/{w.tf}.{c}.zip"
            for c in TFS[w.tf]["train_cells"]
        ],
        "features": feature_files(w.feature_set, w.tf, w.cell),
        "regions": str(rl.regions_path(REL, "test")),
        **expression_inputs([w.cell], uses_expression(w.feature_set)),
    }


def validate_catchitt_inputs(wildcards):
    """As predict_catchitt's, on a training cell's windows of the training region file."""
    return {
        **predict_catchitt_inputs(wildcards),
        "regions": str(rl.regions_path(REL, "train")),
    }


def evaluate_peaks_inputs(wildcards):
    """A held-out peak list, its calibration, scores and labels, and the cell's ChIP-seq peaks when released."""
    w = wildcards
    out = {
        "peaks": f"results/peaks/{w.model}/{w.feature_set}/{w.tf}.{w.cell}.narrowPeak.gz",
        "calibration": f"results/calibration/{w.model}/{w.feature_set}/{w.tf}.json",
        "predictions": f"results/predictions/{w.model}/{w.feature_set}/F.{w.tf}.{w.cell}.tab.gz",
        "labels": labels_file(w.tf, "test"),
    }
    chip = rl.chip_peaks_path(REL, w.tf, w.cell, "conservative")
    if SOURCE == "simulate" or release_has(chip):
        out["chip"] = str(chip)
    return out


def train_factornet_inputs(wildcards):
    """Genome codes, the training cells' bigWigs and labels, optional DNase peaks and RNA-seq."""
    tf, fn = wildcards.tf, config["factornet"]
    train = TFS[tf]["train_cells"]
    out = {
        "codes": "results/genome/genome.u8",
        "index": "results/genome/genome.json",
        "dnase": [f"results/factornet/dnase/{c}.f16" for c in train],
        "dnase_index": [f"results/factornet/dnase/{c}.json" for c in train],
        "labels": labels_file(tf, "train"),
    }
    if fn["open_negatives"] > 0:
        out["dnase_peaks"] = [
            str(rl.dnase_peaks_path(REL, c, "relaxed")) for c in train
        ]
    if fn["meta_pcs"] > 0:
        out["rnaseq"] = [f for c in tf_cells(tf) for f in rnaseq_files(c)]
    return out


def importance_targets():
    if "catchitt" not in MODELS:
        return []
    return [
        f"results/models/catchitt/{fs}/{tf}.{cell}.importance.png"
        for fs in config["feature_sets"]
        for tf, spec in TFS.items()
        for cell in spec["train_cells"]
    ]


def score_parts():
    return [
        f"results/scores/parts/{r['model']}/{r['feature_set']}/{r['tf']}.{r['cell']}.json"
        for r in scored_runs()
    ]


def peak_targets():
    return [
        f"results/peaks/{r['model']}/{r['feature_set']}/{r['tf']}.{r['cell']}.narrowPeak.gz"
        for r in scored_runs()
    ]


def interpret_targets():
    # attributions need the model's logit from sequence alone: none with expression metadata
    if "factornet" not in MODELS or config["factornet"]["meta_pcs"] > 0:
        return []
    return [f"results/interpret/factornet/{tf}/logos.png" for tf in TFS]


def peak_score_parts():
    return [
        f"results/scores/peaks/{r['model']}/{r['feature_set']}/{r['tf']}.{r['cell']}.json"
        for r in scored_runs()
    ]


def track_targets():
    return [
        f"results/tracks/{r['model']}/{r['feature_set']}/{r['tf']}.{r['cell']}.bigWig"
        for r in scored_runs()
    ]


def report_inputs(wildcards):
    return {
        "scores": "results/scores/scores.tsv",
        "calibration": "results/scores/calibration.tsv",
        "labels": [labels_file(tf, "test") for tf in TFS],
        "predictions": [r["predictions"] for r in scored_runs()],
    }
