# The input functions of the report's rules (rules/report.smk): the scored runs' peaks and
# tracks, the runs listed apart (prediction cells, held-out cells genome-wide), and the
# trained models' files. No rules here.


def learned_records():
    """The learned motifs' records of a run whose feature sets scan them (none with a bundle's models: it carries the matrices alone)."""
    sets = {
        fs
        for m in RUN.values()
        if m.family.feature_sets is None
        for fs in m.feature_sets
    }
    if BUNDLE or not any("motif_learned" in config["feature_sets"][fs] for fs in sets):
        return []
    return [{"tf": tf, "path": f"results/motifs/learned/{tf}.json"} for tf in TFS]


# the trained models' files the report summarises: model cards, FactorNet's logs, ensemble
# weights, the motifs learned from the training cells and those FactorNet's attributions show
REPORT_MODELS = dict(
    registry.report_files(RUN, TFS),
    learned=learned_records(),
    interpret=[
        {
            "model": path.split("/")[2],
            "tf": path.split("/")[3],
            "path": path.replace("logos.png", "summary.json"),
        }
        for path in (factornet_targets() if "factornet_targets" in globals() else [])
    ],
)


def baseline_run():
    """The run the ranked table compares with: the first baseline model's, if the run has one."""
    base = models_of("baseline")
    return f"{base[0].name}:{base[0].feature_sets[0]}" if base else None


def training_inputs(wildcards):
    return {
        "scores": "results/scores/scores.tsv",
        "histories": [e["history"] for e in REPORT_MODELS["factornet"]],
        "metas": [e["meta"] for e in REPORT_MODELS["factornet"]],
    }


#: a run's peak list and track; a held-out cell's genome-wide ones lie beside (never
#: instead of) its scored ones
PEAKS = "results/peaks/{model}/{feature_set}/{tf}.{cell}.narrowPeak.gz"
TRACK = "results/tracks/{model}/{feature_set}/{tf}.{cell}.bigWig"
GENOME_WIDE_PREDICTIONS = (
    "results/genome_wide/{model}/{feature_set}/F.{tf}.{cell}.tab.gz"
)
GENOME_WIDE_PEAKS = PEAKS.replace(".narrowPeak", ".genome_wide.narrowPeak")
GENOME_WIDE_TRACK = TRACK.replace(".bigWig", ".genome_wide.bigWig")


def unscored_runs():
    """The runs the report lists apart, unscored: prediction cells, and held-out cells genome-wide."""
    runs = [
        dict(r, peaks=PEAKS.format(**r), track=TRACK.format(**r))
        for r in model_runs("predict")
    ]
    if config["predict"]["held_out"] == "genome":
        runs += [
            dict(
                r,
                held_out=True,
                predictions=GENOME_WIDE_PREDICTIONS.format(**r),
                peaks=GENOME_WIDE_PEAKS.format(**r),
                track=GENOME_WIDE_TRACK.format(**r),
            )
            for r in scored_runs()
        ]
    return runs


def single_peak_files():
    """The predicted cells of your own given one peaks file for both sets, when a job reads their peaks: {cell: file}."""
    cells = {r["cell"] for r in model_runs("predict")}
    return {
        c: OWN[c]["peaks"]
        for c in sorted(cells)
        if c in OWN and isinstance(OWN[c].get("peaks"), str) and cell_reads_peaks(c)
    }


def reported_cells():
    """The cells whose predictions the report lists: held-out and prediction cells."""
    return {r["cell"] for r in model_runs("test") + model_runs("predict")}


def reads_records():
    """The records of the cells made from reads that the report lists (rule reads_accessibility)."""
    used = reported_cells() | set(RELEASE_CELLS)
    return [reads_file(c, "reads.json") for c in sorted(used) if c in READ_CELLS]


def reads_report():
    """Where the cells' signal came from, for the report; nothing when every cell's is the release's files."""
    training = (
        BUNDLE.config.get("accessibility", "files")
        if BUNDLE
        else config["accessibility"]
    )
    predicted = {c: "reads" if c in READ_CELLS else "files" for c in reported_cells()}
    if training == "files" and "reads" not in predicted.values() and not READS_SKIPPED:
        return {}
    return {"training": training, "predicted": predicted, "skipped": READS_SKIPPED}


def report_inputs(wildcards):
    return {
        "scores": "results/scores/scores.tsv",
        "calibration": "results/scores/calibration.tsv",
        "labels": [labels_file(tf, "test") for tf in TFS if TFS[tf]["test_cells"]],
        "labels_checked": [
            f for tf in TFS if TFS[tf]["test_cells"] for f in labels_checked(tf, "test")
        ],
        "predictions": [r["predictions"] for r in scored_runs()],
        "peaks": run_files(PEAKS),
        "predicted": [r["peaks"] for r in unscored_runs()],
        "models": [
            f
            for kind in REPORT_MODELS.values()
            for e in kind
            for f in (e.get("path"), e.get("history"), e.get("meta"))
            if f
        ],
        "bundle_genome": [BUNDLE_GENOME] if BUNDLE else [],
        "reads": reads_records(),
        # the summary links FactorNet's training curves
        "training": (
            ["results/report/training_curves.png"] if REPORT_MODELS["factornet"] else []
        ),
    }
