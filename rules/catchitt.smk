# Catchitt-style XGBoost: one model per TF, feature set and training cell type.


rule train_catchitt:
    input:
        unpack(catchitt_inputs),
    output:
        model="results/models/catchitt/{feature_set}/{tf}.{cell}.zip",
        card="results/models/catchitt/{feature_set}/{tf}.{cell}.card.json",
    log:
        "logs/train_catchitt/{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/train_catchitt/{feature_set}.{tf}.{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    threads: 2
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        test_chroms=lookup(dpath="chromosomes/test", within=config),
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
        size=lookup(dpath="windows/size", within=config),
        catchitt=lookup(dpath="catchitt", within=config),
    script:
        "../scripts/train_catchitt.py"


rule explain_catchitt:
    input:
        unpack(catchitt_inputs),
        model="results/models/catchitt/{feature_set}/{tf}.{cell}.zip",
    output:
        tsv="results/models/catchitt/{feature_set}/{tf}.{cell}.importance.tsv",
        png=report(
            "results/models/catchitt/{feature_set}/{tf}.{cell}.importance.png",
            caption="../report/importance.rst",
            category="Feature importance",
            subcategory="{feature_set}",
            labels={"TF": "{tf}", "trained on": "{cell}"},
        ),
    log:
        "logs/explain_catchitt/{feature_set}.{tf}.{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/explain_catchitt.py"


rule predict_catchitt:
    input:
        unpack(predict_catchitt_inputs),
    output:
        "results/predictions/catchitt/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_catchitt/{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_catchitt/{feature_set}.{tf}.{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    threads: 1  # XGBoost's prediction on the demo: 1.15 cores busy of 2
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        average_rounds=lookup(dpath="catchitt/average_rounds", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/predict_catchitt.py"
