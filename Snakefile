# dreamtf: the ENCODE-DREAM in vivo TF-binding challenge as a workflow.
# This file is a table of contents; the rules live in rules/, the logic in scripts/dreamtf/.


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/cell_inputs.smk"
include: "rules/model_inputs.smk"
include: "rules/report_inputs.smk"
include: "rules/data.smk"
include: "rules/reads.smk"
include: "rules/labels.smk"
include: "rules/features.smk"


# one rules file per model family of the registry (scripts/dreamtf/registry.py)
for family_rules in registry.rule_files():

    include: family_rules


include: "rules/bundle.smk"
include: "rules/peaks.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        rules.results.input,
        "results/report/report.html",
