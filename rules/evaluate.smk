# Scoring as the challenge did (as the official scorer, bootstrap included) and the score table.


rule score_predictions:
    input:
        labels=lambda w: labels_file(w.tf, "test"),
        labels_checked=lambda w: labels_checked(w.tf, "test"),
        predictions="results/predictions/{model}/{feature_set}/F.{tf}.{cell}.tab.gz",
    output:
        "results/scores/parts/{model}/{feature_set}/{tf}.{cell}.json",
    log:
        "logs/score_predictions/{model}.{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/score_predictions/{model}.{feature_set}.{tf}.{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        chroms=lookup(dpath="chromosomes/test", within=config),
        bootstrap=lookup(dpath="scoring/bootstrap", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/score_predictions.py"


rule collect_scores:
    input:
        run_files("results/scores/parts/{model}/{feature_set}/{tf}.{cell}.json"),
    output:
        report(
            "results/scores/scores.tsv",
            caption="../report/scores.rst",
            category="Scores",
            labels={"what": "score table (TSV)"},
        ),
    log:
        "logs/collect_scores/collect.log",
    conda:
        "../envs/dreamtf.yaml"
    script:
        "../scripts/collect_scores.py"
