# dreamtf: the ENCODE-DREAM in vivo TF-binding challenge as a workflow.
# This file is a table of contents; the rules live in rules/, the logic in scripts/dreamtf/.


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/labels.smk"
include: "rules/features.smk"
include: "rules/catchitt.smk"
include: "rules/factornet.smk"
include: "rules/predict.smk"
include: "rules/calibrate.smk"
include: "rules/interpret.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/scores/scores.tsv",
        peak_targets(),
        track_targets(),
        importance_targets(),
        interpret_targets(),
        "results/report/summary.md",
