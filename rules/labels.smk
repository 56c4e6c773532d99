# U/A/B labels derived from ChIP-seq narrowPeaks, for splits the release has no labels for.


rule derive_labels:
    input:
        unpack(derive_labels_inputs),
    output:
        "results/labels/{tf}.{split}.labels.tsv.gz",
    log:
        "logs/derive_labels/{tf}.{split}.log",
    benchmark:
        "benchmarks/derive_labels/{tf}.{split}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        cells=lambda w: split_cells(w.tf, w.split),
        rule=lookup(dpath="labels/rule", within=config),
        min_overlap=lookup(dpath="labels/min_overlap", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/derive_labels.py"
