# The ensemble: a weighted average of its members' scores, each placed in the member's reference
# distribution; references and weights come from the validation chromosomes of the TF's
# training cells. Members are models of the run, by name.


rule ensemble_weights:
    input:
        # the members' references come from these, whichever way the weights are chosen
        predictions=lambda w: ensemble_member_files(
            w, "validation", TFS[w.tf]["train_cells"]
        ),
        labels=lambda w: labels_file(w.tf, "train"),
        labels_checked=lambda w: labels_checked(w.tf, "train"),
    output:
        "results/models/{model}/{feature_set}/{tf}.json",
    log:
        "logs/ensemble_weights/{model}.{feature_set}.{tf}.log",
    wildcard_constraints:
        model=trained_pattern("ensemble"),
    conda:
        "../envs/dreamtf.yaml"
    params:
        members=ensemble_members,
        cells=lambda w: TFS[w.tf]["train_cells"],
        chroms=lookup(dpath="chromosomes/validation", within=config),
        mode=lambda w: RUN[w.model].settings["weights"],
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/ensemble_weights.py"


rule ensemble:
    input:
        members=lambda w: ensemble_member_files(w, w.stage, [w.cell]),
        weights="results/models/{model}/{feature_set}/{tf}.json",
        regions=lambda w: cell_regions(w.stage, w.tf, w.cell),
    output:
        "results/{stage}/{model}/{feature_set}/F.{tf}.{cell}.tab.gz",
    log:
        "logs/ensemble/{stage}.{model}.{feature_set}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/ensemble/{stage}.{model}.{feature_set}.{tf}.{cell}.tsv"
    wildcard_constraints:
        model=registry.pattern(RUN, "ensemble"),
    conda:
        "../envs/dreamtf.yaml"
    params:
        members=ensemble_members,
        chroms=lambda w: cell_chroms(w.stage, w.tf, w.cell),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/ensemble.py"
