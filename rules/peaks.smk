# Peak lists and browser tracks of every model's predictions. Peak thresholds are chosen at a
# stated precision: each model scores the validation chromosomes of its TF's training cells
# (labelled, never trained on), a threshold is chosen there, and the held-out peaks it gives
# are checked against the held-out labels and ChIP-seq peaks.


rule calibrate:
    input:
        predictions=lambda w: [
            f"results/validation/{w.model}/{w.feature_set}/F.{w.tf}.{c}.tab.gz"
            for c in stage_cells(w.tf, "validation")
        ],
        labels=lambda w: labels_file(w.tf, "train"),
        labels_checked=lambda w: labels_checked(w.tf, "train"),
    output:
        "results/calibration/{model}/{feature_set}/{tf}.json",
    log:
        "logs/calibrate/{model}.{feature_set}.{tf}.log",
    wildcard_constraints:
        model="(?!)" if BUNDLE else "[A-Za-z0-9_]+",
    conda:
        "../envs/dreamtf.yaml"
    params:
        cells=lambda w: TFS[w.tf]["train_cells"],
        chroms=lookup(dpath="chromosomes/validation", within=config),
        precision=lookup(dpath="peaks/precision", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/calibrate.py"


rule evaluate_peaks:
    input:
        unpack(evaluate_peaks_inputs),
    output:
        "results/scores/peaks/{model}/{feature_set}/{tf}.{cell}.json",
    log:
        "logs/evaluate_peaks/{model}.{feature_set}.{tf}.{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        chroms=lookup(dpath="chromosomes/test", within=config),
        peaks=lookup(dpath="peaks", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/evaluate_peaks.py"


rule collect_calibration:
    input:
        run_files("results/scores/peaks/{model}/{feature_set}/{tf}.{cell}.json"),
    output:
        report(
            "results/scores/calibration.tsv",
            caption="../report/calibration.rst",
            category="Peaks",
            labels={"what": "calibration table (TSV)"},
        ),
    log:
        "logs/collect_calibration/collect.log",
    conda:
        "../envs/dreamtf.yaml"
    script:
        "../scripts/collect_calibration.py"


rule call_peaks:
    input:
        predictions="results/predictions/{model}/{feature_set}/F.{tf}.{cell}.tab.gz",
        regions=lambda w: cell_regions("predictions", w.tf, w.cell),
        calibration="results/calibration/{model}/{feature_set}/{tf}.json",
    output:
        "results/peaks/{model}/{feature_set}/{tf}.{cell}.narrowPeak.gz",
    log:
        "logs/call_peaks/{model}.{feature_set}.{tf}.{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        peaks=lookup(dpath="peaks", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/call_peaks.py"


rule score_track:
    input:
        predictions="results/predictions/{model}/{feature_set}/F.{tf}.{cell}.tab.gz",
        sizes="results/release/chrom.sizes",
    output:
        "results/tracks/{model}/{feature_set}/{tf}.{cell}.bigWig",
    log:
        "logs/score_track/{model}.{feature_set}.{tf}.{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/score_track.py"


# a held-out cell's genome-wide predictions (predict.held_out: genome): peaks at the same
# threshold and a track, in files of their own beside the scored test-chromosome ones
use rule call_peaks as call_peaks_genome_wide with:
    input:
        predictions=GENOME_WIDE_PREDICTIONS,
        regions="results/regions/predict.bed.gz",
        calibration="results/calibration/{model}/{feature_set}/{tf}.json",
    output:
        GENOME_WIDE_PEAKS,
    log:
        "logs/call_peaks_genome_wide/{model}.{feature_set}.{tf}.{cell}.log",


use rule score_track as score_track_genome_wide with:
    input:
        predictions=GENOME_WIDE_PREDICTIONS,
        sizes="results/release/chrom.sizes",
    output:
        GENOME_WIDE_TRACK,
    log:
        "logs/score_track_genome_wide/{model}.{feature_set}.{tf}.{cell}.log",
