# FactorNet-style CNN-BiLSTM: one model per TF, all training cells pooled; GPU when asked
# for. Its inputs (the genome as base codes, each cell's DNase per base) are cached once
# and shared by every factornet model of the run.


rule genome_codes:
    input:
        fasta=GENOME_FASTA,
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
        bigwig=lambda w: cell_signal(w.cell),
        checked=lambda w: cell_checked(w.cell),
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
        model="results/models/{model}/{tf}.keras",
        meta="results/models/{model}/{tf}.json",
        history="results/models/{model}/{tf}.history.csv",
        card="results/models/{model}/{tf}.card.json",
    log:
        "logs/train_factornet/{model}.{tf}.log",
    benchmark:
        "benchmarks/train_factornet/{model}.{tf}.tsv"
    wildcard_constraints:
        model=trained_pattern("factornet"),
    conda:
        model_env
    # one thread: the model's small steps keep a second thread half idle, so two jobs side
    # by side do more work than one job on two threads; --set-threads raises it
    threads: 1
    resources:
        gpu=factornet_gpu,
    params:
        cells=lambda w: TFS[w.tf]["train_cells"],
        # every cell's RNA-seq only when the model reads expression (meta_pcs): else adding
        # a held-out or prediction cell would change this and retrain the model
        rnaseq=lambda w: (
            {c: rnaseq_files(c) for c in tf_cells(w.tf)}
            if RUN[w.model].settings["meta_pcs"]
            else {}
        ),
        test_chroms=lookup(dpath="chromosomes/test", within=config),
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
        size=lookup(dpath="windows/size", within=config),
        factornet=settings,
        matrix=lambda w: config["features"]["motifs"].get(w.tf),
    script:
        "../scripts/train_factornet.py"


rule predict_factornet:
    input:
        unpack(factornet_model),
        regions=lambda w: cell_regions(w.stage, w.tf, w.cell),
    output:
        "results/{stage}/{model}/seq_dnase/F.{tf}.{cell}.tab.gz",
    log:
        "logs/predict_factornet/{stage}.{model}.{tf}.{cell}.log",
    benchmark:
        "benchmarks/predict_factornet/{stage}.{model}.{tf}.{cell}.tsv"
    wildcard_constraints:
        model=registry.pattern(RUN, "factornet"),
    conda:
        model_env
    threads: 1  # as train_factornet
    resources:
        gpu=factornet_gpu,
    params:
        chroms=lambda w: cell_chroms(w.stage, w.tf, w.cell),
        size=lookup(dpath="windows/size", within=config),
        factornet=settings,
    script:
        "../scripts/predict_factornet.py"


rule interpret_factornet:
    input:
        unpack(factornet_model),
        predictions=lambda w: f"results/predictions/{w.model}/seq_dnase/F.{w.tf}.{interpret_cell(w.tf)}.tab.gz",
    output:
        attributions="results/interpret/{model}/{tf}/attributions.npz",
        meme="results/interpret/{model}/{tf}/motifs.meme",
        matches="results/interpret/{model}/{tf}/jaspar_matches.tsv",
        summary="results/interpret/{model}/{tf}/summary.json",
        logos=report(
            "results/interpret/{model}/{tf}/logos.png",
            caption="../report/logos.rst",
            category="What FactorNet learned",
            labels={"model": "{model}", "TF": "{tf}"},
        ),
    log:
        "logs/interpret_factornet/{model}.{tf}.log",
    benchmark:
        "benchmarks/interpret_factornet/{model}.{tf}.tsv"
    wildcard_constraints:
        model=registry.pattern(RUN, "factornet"),
    conda:
        model_env
    threads: 1  # as train_factornet; TF-MoDISco runs on one
    params:
        cell=lambda w: interpret_cell(w.tf),
        interpret=lookup(dpath="interpret", within=config),
        factornet=settings,
    script:
        "../scripts/interpret_factornet.py"
