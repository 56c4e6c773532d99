# Feature groups: one cache file per group and key, all chromosomes; every feature set that
# names a group reads the same file.


rule features_dnase:
    input:
        bigwig=lambda w: cell_signal(w.cell),
        checked=lambda w: cell_checked(w.cell),
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/features/dnase/{cell}.npz",
    log:
        "logs/features_dnase/{cell}.log",
    benchmark:
        "benchmarks/features_dnase/{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        flank=lookup(dpath="features/flank_bins", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/features_dnase.py"


rule features_dnase_peaks:
    input:
        conservative=lambda w: cell_peaks(w.cell, "conservative"),
        relaxed=lambda w: cell_peaks(w.cell, "relaxed"),
        checked=lambda w: cell_checked(w.cell),
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/features/dnase_peaks/{cell}.npz",
    log:
        "logs/features_dnase_peaks/{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/features_dnase_peaks.py"


rule features_motif:
    input:
        fasta=GENOME_FASTA,
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/features/motif/{tf}.npz",
    log:
        "logs/features_motif/{tf}.log",
    benchmark:
        "benchmarks/features_motif/{tf}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        flank=lookup(dpath="features/flank_bins", within=config),
        matrix=lambda w: config["features"]["motifs"].get(w.tf),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/features_motif.py"


rule features_sequence:
    input:
        fasta=GENOME_FASTA,
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/features/sequence/genome.npz",
    log:
        "logs/features_sequence/genome.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/features_sequence.py"


rule features_expression:
    input:
        gtf=GTF or [],
        rnaseq=lambda w: rnaseq_files(w.cell),
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/features/expression/{cell}.npz",
    log:
        "logs/features_expression/{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/features_expression.py"


# Motifs learned from a TF's training cells on the training chromosomes (a small CNN and
# TF-MoDISco), scanned like the database matrix; a bundle brings its own learned motifs.
if not BUNDLE:

    rule learn_motifs:
        input:
            unpack(learn_motifs_inputs),
        output:
            meme="results/motifs/learned/{tf}.meme",
            record="results/motifs/learned/{tf}.json",
            logos=report(
                "results/motifs/learned/{tf}.png",
                caption="../report/learned_motifs.rst",
                category="Learned motifs",
                labels={"TF": "{tf}"},
            ),
        log:
            "logs/learn_motifs/{tf}.log",
        benchmark:
            "benchmarks/learn_motifs/{tf}.tsv"
        conda:
            "../envs/tensorflow.yaml"
        threads: job_threads(8)
        params:
            cells=lambda w: TFS[w.tf]["train_cells"],
            test_chroms=lookup(dpath="chromosomes/test", within=config),
            valid_chroms=lookup(dpath="chromosomes/validation", within=config),
            size=lookup(dpath="windows/size", within=config),
            settings=lookup(dpath="motif_learning", within=config),
            matrix=lambda w: config["features"]["motifs"].get(w.tf),
        script:
            "../scripts/learn_motifs.py"


rule features_motif_learned:
    input:
        meme="results/motifs/learned/{tf}.meme",
        fasta=GENOME_FASTA,
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/features/motif_learned/{tf}.npz",
    log:
        "logs/features_motif_learned/{tf}.log",
    benchmark:
        "benchmarks/features_motif_learned/{tf}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        flank=lookup(dpath="features/flank_bins", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/features_motif_learned.py"
