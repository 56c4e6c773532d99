# The challenge release: simulated, an existing folder, or downloaded (http, synapse, encode), then checked.

if config["release"]["source"] == "simulate":

    rule simulate_release:
        output:
            fasta=str(rl.fasta_path(REL, FASTA)),
            files=[
                str(p)
                for p in rl.release_files(REL, fasta=FASTA, tfs=SIMULATED_TFS)
                if p != rl.fasta_path(REL, FASTA)
            ],
        log:
            "logs/simulate_release/release.log",
        benchmark:
            "benchmarks/simulate_release.tsv"
        conda:
            "../envs/dreamtf.yaml"
        params:
            # release.path itself: the outputs are named from it, not it from an output (a function,
            # since the lint asks that a plain string prefixing the outputs be derived from them)
            release=lambda w: REL,
            seed=lookup(dpath="release/seed", within=config),
            preset=lookup(dpath="release/preset", within=config),
            fasta=FASTA,
            test_chroms=lookup(dpath="chromosomes/test", within=config),
            size=lookup(dpath="windows/size", within=config),
            step=lookup(dpath="windows/step", within=config),
            rule=lookup(dpath="labels/rule", within=config),
            min_overlap=lookup(dpath="labels/min_overlap", within=config),
            flank_module=lookup(dpath="release/flank_module", within=config),
        script:
            "../scripts/simulate_release.py"


if SOURCE == "genome":

    # the challenge's window grid from the genome alone: the region files, in the release folder
    rule genome_regions:
        input:
            fasta=GENOME_FASTA,
            blacklist=config["release"]["blacklist"],
        output:
            regions=[str(rl.regions_path(REL, s)) for s in rl.SPLITS],
        log:
            "logs/genome_regions/regions.log",
        conda:
            "../envs/dreamtf.yaml"
        params:
            chromosomes=lookup(dpath="release/chromosomes", within=config),
            test_chroms=lookup(dpath="chromosomes/test", within=config),
            size=lookup(dpath="windows/size", within=config),
            step=lookup(dpath="windows/step", within=config),
            present=True,
        script:
            "../scripts/encode_regions.py"


rule check_release:
    input:
        unpack(check_release_inputs),
    output:
        sizes="results/release/chrom.sizes",
    log:
        "logs/check_release/check.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        splits=list(release_check()["regions"]),
        size=lookup(dpath="windows/size", within=config),
        test_chroms=lookup(dpath="chromosomes/test", within=config),
        valid_chroms=lookup(dpath="chromosomes/validation", within=config),
    script:
        "../scripts/check_release.py"


# the windows prediction cells are predicted on: every window of the release's region files
# (the challenge's grid, blacklist removed) on predict.chromosomes
rule predict_regions:
    input:
        regions=region_files(),
        sizes="results/release/chrom.sizes",
    output:
        "results/regions/predict.bed.gz",
    log:
        "logs/predict_regions/regions.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        chroms=lookup(dpath="predict/chromosomes", within=config),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/predict_regions.py"


# one label file of the release against the genome, for the cells the run reads from it: a job
# per TF and split, so that adding a TF or changing its cells reruns nothing of the other TFs
rule check_labels:
    input:
        labels=lambda w: release_labels(w.tf, w.split),
        sizes="results/release/chrom.sizes",
    output:
        "results/release/labels/{tf}.{split}.json",
    log:
        "logs/check_labels/{tf}.{split}.log",
    conda:
        "../envs/dreamtf.yaml"
    params:
        cells=lambda w: split_cells(w.tf, w.split),
        size=lookup(dpath="windows/size", within=config),
    script:
        "../scripts/check_labels.py"


# one cell's accessibility files against the genome: a job per cell, so that adding or
# removing a cell reruns nothing that other cells' jobs read
rule check_cell:
    input:
        signal=lambda w: cell_signal(w.cell),
        peaks=lambda w: (
            sorted({cell_peaks(w.cell, k) for k in ("conservative", "relaxed")})
            if cell_reads_peaks(w.cell)
            else []
        ),
        sizes="results/release/chrom.sizes",
    output:
        cell_checked("{cell}"),
    log:
        "logs/check_cell/{cell}.log",
    conda:
        "../envs/dreamtf.yaml"
    script:
        "../scripts/check_cell.py"


if REMOTE:

    # on a cluster, downloads run where the workflow runs (compute nodes often have no internet)
    localrules:
        download_release_file,

    rule download_release_file:
        output:
            f"{REL}/{{path}}",
        log:
            "logs/download_release_file/{path}.log",
        wildcard_constraints:
            path="|".join(re.escape(p) for p in REMOTE),
        conda:
            "../envs/dreamtf.yaml"
        params:
            source=SOURCE,
            # without credentials (common.smk moves them to DREAMTF_RELEASE_AUTH): params are recorded
            url=config["release"].get("url"),
            retries=lookup(dpath="release/retries", within=config),
            bytes=lambda w: REMOTE[w.path].bytes if SOURCE == "http" else None,
            md5=lambda w: REMOTE[w.path].md5 if SOURCE == "http" else None,
            synapse_id=lambda w: REMOTE[w.path] if SOURCE == "synapse" else None,
            encode=lambda w: REMOTE[w.path] if SOURCE == "encode" else None,
            portal=lookup(dpath="release/portal", within=config),
            assembly=lambda w: GENOMES[config["release"]["genome"]]["encode_assembly"],
        script:
            "../scripts/download_release_file.py"


if SOURCE == "encode":

    # the region files depend on the genome and the window rule only, so that adding or
    # removing a cell (and its accessions) rebuilds no region file and reruns nothing after it
    rule encode_regions:
        input:
            fasta=str(rl.fasta_path(REL, FASTA)),
            blacklist=str(rl.blacklist_path(REL)),
        output:
            regions=[str(rl.regions_path(REL, s)) for s in rl.SPLITS],
        log:
            "logs/encode_regions/regions.log",
        conda:
            "../envs/dreamtf.yaml"
        params:
            chromosomes=lookup(dpath="release/chromosomes", within=config),
            test_chroms=lookup(dpath="chromosomes/test", within=config),
            size=lookup(dpath="windows/size", within=config),
            step=lookup(dpath="windows/step", within=config),
        script:
            "../scripts/encode_regions.py"

    # the record of what the release was built from; no job reads it, so a cell's new
    # accessions rewrite it alone
    rule encode_record:
        output:
            f"{REL}/encode.json",
        log:
            "logs/encode_record/record.log",
        conda:
            "../envs/dreamtf.yaml"
        params:
            release=lambda w: {
                k: config["release"][k]
                for k in ("genome", "portal", "annotations", "encode")
            },
            files=REMOTE,
        script:
            "../scripts/encode_record.py"
