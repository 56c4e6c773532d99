# Peak thresholds at a stated precision: each model scores the validation chromosomes of
# its TF's training cells (labelled, never trained on), a threshold is chosen there, and
# the held-out peaks it gives are checked against the held-out labels and ChIP-seq peaks.


use rule predict_baseline as validate_baseline with:
    input:
        regions=str(rl.regions_path(REL, "train")),
        bigwig=lambda w: str(rl.dnase_bigwig_path(REL, w.cell)),
        sizes="results/release/chrom.sizes",
    output:
        f"results/validation/baseline/{BASELINE_FEATURES}/F.{{tf}}.{{cell}}.tab.gz",
    log:
        "logs/validate_baseline/{tf}.{cell}.log",
    benchmark:
        "benchmarks/validate_baseline/{tf}.{cell}.tsv"
    params:
        chroms=lookup(dpath="chromosomes/validation", within=config),


use rule predict_catchitt as validate_catchitt with:
    input:
        unpack(validate_catchitt_inputs),
    output:
        "results/validation/catchitt/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/validate_catchitt/{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/validate_catchitt/{feature_set}.{tf}.{cell}.tsv"
    params:
        chroms=lookup(dpath="chromosomes/validation", within=config),


use rule predict_factornet as validate_factornet with:
    input:
        model="results/models/factornet/{tf}.keras",
        meta="results/models/factornet/{tf}.json",
        codes="results/genome/genome.u8",
        index="results/genome/genome.json",
        dnase="results/factornet/dnase/{cell}.f16",
        dnase_index="results/factornet/dnase/{cell}.json",
        regions=str(rl.regions_path(REL, "train")),
    output:
        f"results/validation/factornet/{FACTORNET_FEATURES}/F.{{tf}}.{{cell}}.tab.gz",
    log:
        "logs/validate_factornet/{tf}.{cell}.log",
    benchmark:
        "benchmarks/validate_factornet/{tf}.{cell}.tsv"
    params:
        chroms=lookup(dpath="chromosomes/validation", within=config),


use rule ensemble as validate_ensemble with:
    input:
        members=[
            "results/validation/catchitt/{feature_set}/F.{tf}.{cell}.tab.gz",
            f"results/validation/factornet/{FACTORNET_FEATURES}/F.{{tf}}.{{cell}}.tab.gz",
        ],
        weights="results/models/ensemble/{feature_set}/{tf}.json",
        regions=str(rl.regions_path(REL, "train")),
    output:
        "results/validation/ensemble/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/validate_ensemble/{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/validate_ensemble/{feature_set}.{tf}.{cell}.tsv"
    params:
        chroms=lookup(dpath="chromosomes/validation", within=config),


rule calibrate:
    input:
        predictions=lambda w: [
            f"results/validation/{w.model}/{w.feature_set}/F.{w.tf}.{c}.tab.gz"
            for c in TFS[w.tf]["train_cells"]
        ],
        labels=lambda w: labels_file(w.tf, "train"),
    output:
        "results/calibration/{model}/{feature_set}/{tf}.json",
    log:
        "logs/calibrate/{model}.{feature_set}.{tf}.log",
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
        peak_score_parts(),
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
