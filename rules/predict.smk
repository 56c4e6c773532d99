# Predictions in the challenge's submission format, and per-cell-type peak lists.


rule predict_baseline:
    input:
        regions=str(rl.regions_path(REL, "test")),
        bigwig=lambda w: str(rl.dnase_bigwig_path(REL, w.cell)),
        sizes="results/release/chrom.sizes",
    output:
        "results/predictions/baseline/dnase_max/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_baseline/{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_baseline/{tf}.{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/predict_baseline.py"


rule ensemble_weights:
    input:
        # equal weights need no validation predictions
        predictions=lambda w: [
            f"results/validation/{m}/{fs}/F.{w.tf}.{c}.tab.gz"
            for c in TFS[w.tf]["train_cells"]
            for m, fs in ensemble_members(w.feature_set)
            if config["ensemble"]["weights"] != "equal"
        ],
        labels=lambda w: labels_file(w.tf, "train"),
    output:
        "results/models/ensemble/{feature_set}/{tf}.json",
    log:
        "logs/ensemble_weights/{feature_set}.{tf}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        members=lambda w: [f"{m}/{fs}" for m, fs in ensemble_members(w.feature_set)],
        cells=lambda w: TFS[w.tf]["train_cells"],
        chroms=lookup(dpath="chromosomes/validation", within=config),
        mode=lookup(dpath="ensemble/weights", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/ensemble_weights.py"


rule ensemble:
    input:
        members=[
            "results/predictions/catchitt/{feature_set}/F.{tf}.{cell}.tab.gz",
            f"results/predictions/factornet/{FACTORNET_FEATURES}/F.{{tf}}.{{cell}}.tab.gz",
        ],
        weights="results/models/ensemble/{feature_set}/{tf}.json",
        regions=str(rl.regions_path(REL, "test")),
    output:
        "results/predictions/ensemble/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/ensemble/{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/ensemble/{feature_set}.{tf}.{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/ensemble.py"


rule call_peaks:
    input:
        predictions="results/predictions/{model}/{feature_set}/F.{tf}.{cell}.tab.gz",
        regions=str(rl.regions_path(REL, "test")),
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
