# Catchitt-style XGBoost: one model per TF, feature set and training cell type.


rule train_catchitt:
    input:
        features=lambda w: feature_files(w.feature_set, w.tf, w.cell),
        labels=lambda w: labels_file(w.tf, "train"),
        gtf=str(rl.gtf_path(REL)),
        rnaseq=lambda w: rnaseq_files(w.cell),
    output:
        "results/models/catchitt/{feature_set}/{tf}.{cell}.zip",
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
        catchitt=lookup(dpath="catchitt", within=config),
    script:
        "../scripts/train_catchitt.py"


rule explain_catchitt:
    input:
        model="results/models/catchitt/{feature_set}/{tf}.{cell}.zip",
        features=lambda w: feature_files(w.feature_set, w.tf, w.cell),
        labels=lambda w: labels_file(w.tf, "train"),
        gtf=str(rl.gtf_path(REL)),
        rnaseq=lambda w: rnaseq_files(w.cell),
    output:
        tsv="results/models/catchitt/{feature_set}/{tf}.{cell}.importance.tsv",
        png="results/models/catchitt/{feature_set}/{tf}.{cell}.importance.png",
    log:
        "logs/explain_catchitt/{feature_set}.{tf}.{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
    script:
        "../scripts/explain_catchitt.py"


rule predict_catchitt:
    input:
        models=lambda w: expand(
            "results/models/catchitt/{{feature_set}}/{{tf}}.{cell}.zip",
            cell=TFS[w.tf]["train_cells"],
        ),
        features=lambda w: feature_files(w.feature_set, w.tf, w.cell),
        regions=str(rl.regions_path(REL, "test")),
        gtf=str(rl.gtf_path(REL)),
        rnaseq=lambda w: rnaseq_files(w.cell),
    output:
        "results/predictions/catchitt/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_catchitt/{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_catchitt/{feature_set}.{tf}.{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    threads: 2
    params:
        groups=lambda w: config["feature_sets"][w.feature_set],
        average_rounds=lookup(dpath="catchitt/average_rounds", within=config),
    script:
        "../scripts/predict_catchitt.py"
