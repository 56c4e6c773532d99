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


rule dnase_cache:
    input:
        bigwig=lambda w: str(rl.dnase_bigwig_path(REL, w.cell)),
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        data="results/factornet/dnase/{cell}.f16",
        index="results/factornet/dnase/{cell}.json",
    log:
        "logs/dnase_cache/{cell}.log",
    benchmark:
        "benchmarks/dnase_cache/{cell}.tsv"
    conda:
        "../envs/dreamtf.yaml"
    params:
        size=lookup(dpath="windows/size", within=config),
        norm=lookup(dpath="factornet/dnase_norm", within=config),
    script:
        "../scripts/dnase_cache.py"


rule train_factornet:
    input:
        unpack(train_factornet_inputs),
    output:
        model="results/models/factornet/{tf}.keras",
        meta="results/models/factornet/{tf}.json",
        history="results/models/factornet/{tf}.history.csv",
        card="results/models/factornet/{tf}.card.json",
    log:
        "logs/train_factornet/{tf}.log",
    benchmark:
        "benchmarks/train_factornet/{tf}.tsv"
    conda:
        FACTORNET_ENV
    # one thread: two jobs side by side do 1.3-1.6x the work of one on two threads (the
    # model's small steps keep a second thread half idle); --set-threads raises it
    threads: 1
    resources:
        gpu=1 if config["factornet"]["gpu"] else 0,
    params:
        cells=lambda w: TFS[w.tf]["train_cells"],
        rnaseq=lambda w: {c: rnaseq_files(c) for c in tf_cells(w.tf)},
        test_chroms=lookup(dpath="chromosomes/test", within=config),
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
        size=lookup(dpath="windows/size", within=config),
        factornet=lookup(dpath="factornet", within=config),
        matrix=lambda w: config["features"]["motifs"].get(w.tf),
    script:
        "../scripts/train_factornet.py"


rule predict_factornet:
    input:
        model="results/models/factornet/{tf}.keras",
        meta="results/models/factornet/{tf}.json",
        codes="results/genome/genome.u8",
        index="results/genome/genome.json",
        dnase="results/factornet/dnase/{cell}.f16",
        dnase_index="results/factornet/dnase/{cell}.json",
        regions=str(rl.regions_path(REL, "test")),
    output:
        "results/predictions/factornet/seq_dnase/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_factornet/{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_factornet/{tf}.{cell}.tsv"
    conda:
        FACTORNET_ENV
    threads: 1  # as train_factornet
    resources:
        gpu=1 if config["factornet"]["gpu"] else 0,
    params:
        size=lookup(dpath="windows/size", within=config),
        factornet=lookup(dpath="factornet", within=config),
    script:
        "../scripts/predict_factornet.py"
