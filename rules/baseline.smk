# The model-free reference: each window's maximum DNase fold change.


rule predict_baseline:
    input:
        regions=lambda w: cell_regions(w.stage, w.tf, w.cell),
        bigwig=lambda w: cell_signal(w.cell),
        checked=lambda w: cell_checked(w.cell),
        sizes="results/release/chrom.sizes",
    output:
        "results/{stage}/{model}/dnase_max/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_baseline/{stage}.{model}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_baseline/{stage}.{model}.{tf}.{cell}.tsv"
    wildcard_constraints:
        model=registry.pattern(RUN, "baseline"),
    conda:
        "../envs/dreamtf.yaml"
    params:
        chroms=lambda w: cell_chroms(w.stage, w.tf, w.cell),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/predict_baseline.py"
