# Catchitt-style XGBoost: one model per TF, feature set and training cell type, for each
# catchitt model of the run (the family, or a named variant with its own settings).


rule train_catchitt:
    input:
        unpack(catchitt_inputs),
    output:
        model="results/models/{model}/{feature_set}/{tf}.{cell}.zip",
        card="results/models/{model}/{feature_set}/{tf}.{cell}.card.json",
    log:
        "logs/train_catchitt/{model}.{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/train_catchitt/{model}.{feature_set}.{tf}.{cell}.tsv"
    wildcard_constraints:
        model=trained_pattern("catchitt"),
    conda:
        "../envs/dreamtf.yaml"
    threads: job_threads(8)
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        test_chroms=lookup(dpath="chromosomes/test", within=config),
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
        size=lookup(dpath="windows/size", within=config),
        catchitt=settings,
    script:
        "../scripts/train_catchitt.py"


rule explain_catchitt:
    input:
        unpack(catchitt_inputs),
        model="results/models/{model}/{feature_set}/{tf}.{cell}.zip",
    output:
        tsv="results/models/{model}/{feature_set}/{tf}.{cell}.importance.tsv",
        png=report(
            "results/models/{model}/{feature_set}/{tf}.{cell}.importance.png",
            caption="../report/importance.rst",
            category="Feature importance",
            subcategory="{model} {feature_set}",
            labels={"TF": "{tf}", "trained on": "{cell}"},
        ),
    log:
        "logs/explain_catchitt/{model}.{feature_set}.{tf}.{cell}.log",
    wildcard_constraints:
        model=registry.pattern(RUN, "catchitt"),
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
        "results/{stage}/{model}/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_catchitt/{stage}.{model}.{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_catchitt/{stage}.{model}.{feature_set}.{tf}.{cell}.tsv"
    wildcard_constraints:
        model=registry.pattern(RUN, "catchitt"),
    conda:
        "../envs/dreamtf.yaml"
    threads: 1
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        average_rounds=lambda w: RUN[w.model].settings["average_rounds"],
        chroms=lambda w: cell_chroms(w.stage, w.tf, w.cell),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/predict_catchitt.py"
