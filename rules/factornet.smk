# FactorNet-style CNN-BiLSTM: one model per TF, all training cells pooled; GPU when asked for.


rule genome_codes:
    input:
        fasta=str(rl.fasta_path(REL, FASTA)),
        sizes="results/release/chrom.sizes",
    output:
        codes="results/genome/genome.u8",
        index="results/genome/genome.json",
    log:
        "logs/genome_codes/genome.log",
    conda:
        "../envs/dreamtf.yaml"
    script:
        "../scripts/genome_codes.py"


rule train_factornet:
    input:
        codes="results/genome/genome.u8",
        index="results/genome/genome.json",
        bigwigs=lambda w: [
            str(rl.dnase_bigwig_path(REL, c)) for c in TFS[w.tf]["train_cells"]
        ],
        labels=lambda w: labels_file(w.tf, "train"),
        dnase_peaks=lambda w: [
            str(rl.dnase_peaks_path(REL, c, "relaxed"))
            for c in TFS[w.tf]["train_cells"]
        ],
        rnaseq=lambda w: [f for c in tf_cells(w.tf) for f in rnaseq_files(c)],
    output:
        model="results/models/factornet/{tf}.keras",
        meta="results/models/factornet/{tf}.json",
        history="results/models/factornet/{tf}.history.csv",
    log:
        "logs/train_factornet/{tf}.log",
    benchmark:
        "benchmarks/train_factornet/{tf}.tsv"
    conda:
        FACTORNET_ENV
    threads: 2
    resources:
        gpu=1 if config["factornet"]["gpu"] else 0,
    params:
        cells=lambda w: TFS[w.tf]["train_cells"],
        all_cells=lambda w: tf_cells(w.tf),
        rnaseq=lambda w: {c: rnaseq_files(c) for c in tf_cells(w.tf)},
        test_chroms=lookup(dpath="chromosomes/test", within=config),
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
        factornet=lookup(dpath="factornet", within=config),
    script:
        "../scripts/train_factornet.py"


rule predict_factornet:
    input:
        model="results/models/factornet/{tf}.keras",
        meta="results/models/factornet/{tf}.json",
        codes="results/genome/genome.u8",
        index="results/genome/genome.json",
        bigwig=lambda w: str(rl.dnase_bigwig_path(REL, w.cell)),
        regions=str(rl.regions_path(REL, "test")),
    output:
        "results/predictions/factornet/seq_dnase/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_factornet/{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_factornet/{tf}.{cell}.tsv"
    conda:
        FACTORNET_ENV
    threads: 2
    resources:
        gpu=1 if config["factornet"]["gpu"] else 0,
    script:
        "../scripts/predict_factornet.py"
