# What FactorNet learned (DESIGN section 6): attributions, TF-MoDISco motifs, JASPAR matches.


rule interpret_factornet:
    input:
        model="results/models/factornet/{tf}.keras",
        meta="results/models/factornet/{tf}.json",
        codes="results/genome/genome.u8",
        index="results/genome/genome.json",
        dnase=lambda w: f"results/factornet/dnase/{TFS[w.tf]['test_cells'][0]}.f16",
        dnase_index=lambda w: f"results/factornet/dnase/{TFS[w.tf]['test_cells'][0]}.json",
        predictions=lambda w: f"results/predictions/factornet/{FACTORNET_FEATURES}/F.{w.tf}.{TFS[w.tf]['test_cells'][0]}.tab.gz",
    output:
        attributions="results/interpret/factornet/{tf}/attributions.npz",
        meme="results/interpret/factornet/{tf}/motifs.meme",
        matches="results/interpret/factornet/{tf}/jaspar_matches.tsv",
        summary="results/interpret/factornet/{tf}/summary.json",
        logos=report(
            "results/interpret/factornet/{tf}/logos.png",
            caption="../report/logos.rst",
            category="What FactorNet learned",
            labels={"TF": "{tf}"},
        ),
    log:
        "logs/interpret_factornet/{tf}.log",
    benchmark:
        "benchmarks/interpret_factornet/{tf}.tsv"
    conda:
        FACTORNET_ENV
    threads: 1  # as train_factornet; TF-MoDISco runs on one
    params:
        cell=lambda w: TFS[w.tf]["test_cells"][0],
        interpret=lookup(dpath="interpret", within=config),
        factornet=lookup(dpath="factornet", within=config),
    script:
        "../scripts/interpret_factornet.py"
