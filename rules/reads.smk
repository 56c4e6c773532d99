# Cells given as reads (READ_CELLS, rules/cell_inputs.smk): their cut sites, then MACS3's
# fold-change signal and peak sets (dreamtf/reads.py), which every job reads in place of a
# release's files. One pipeline for every such cell, BAM or fragments, yours or the release's.


if BAM_CELLS:

    rule bam_cuts:
        input:
            bam=lambda w: READ_CELLS[w.cell][1],
            sizes="results/release/chrom.sizes",
        output:
            cuts=temp(reads_file("{cell}", "cuts.bed.gz")),
            record=reads_file("{cell}", "cuts.json"),
        log:
            "logs/reads/{cell}.cuts.log",
        wildcard_constraints:
            cell="|".join(re.escape(c) for c in BAM_CELLS),
        conda:
            "../envs/dreamtf.yaml"
        params:
            assay=lambda w: READ_CELLS[w.cell][2],
            min_mapq=lookup(dpath="reads/min_mapq", within=config),
        script:
            "../scripts/reads_cuts.py"


for _sample, _cells in FRAGMENT_SAMPLES.items():

    # one pass over a fragments file writes every cluster's cut sites
    rule:
        name:
            f"fragment_cuts_{_sample}"
        input:
            fragments=OWN[_cells[0]]["fragments"],
            clusters=OWN[_cells[0]]["clusters"],
            sizes="results/release/chrom.sizes",
        output:
            cuts=[temp(reads_file(c, "cuts.bed.gz")) for c in _cells],
            records=[reads_file(c, "cuts.json") for c in _cells],
        log:
            f"logs/reads/{_sample}.fragments.log",
        conda:
            "../envs/dreamtf.yaml"
        params:
            clusters=[OWN[c]["cluster"] for c in _cells],
            min_fragments=lookup(dpath="reads/min_fragments", within=config),
        script:
            "../scripts/fragment_cuts.py"


if READ_CELLS:

    rule reads_accessibility:
        input:
            cuts=reads_file("{cell}", "cuts.bed.gz"),
            record=reads_file("{cell}", "cuts.json"),
            sizes="results/release/chrom.sizes",
        output:
            signal=reads_file("{cell}", "signal.bigwig"),
            conservative=reads_file("{cell}", "conservative.narrowPeak.gz"),
            relaxed=reads_file("{cell}", "relaxed.narrowPeak.gz"),
            record=reads_file("{cell}", "reads.json"),
        log:
            "logs/reads/{cell}.macs3.log",
        wildcard_constraints:
            cell="|".join(re.escape(c) for c in READ_CELLS),
        conda:
            "../envs/dreamtf.yaml"
        params:
            source=lambda w: READ_CELLS[w.cell],
        script:
            "../scripts/reads_accessibility.py"


if SOURCE == "simulate" and any(simulated_bam(c) for c in BAM_CELLS):

    # the simulated release's reads: drawn from each cell's fold-change track
    rule simulate_reads:
        input:
            bigwig=lambda w: str(rl.dnase_bigwig_path(REL, w.cell)),
        output:
            bam=str(rl.dnase_bam_path(REL, "{cell}")),
            bai=str(rl.dnase_bam_path(REL, "{cell}")) + ".bai",
        log:
            "logs/simulate_reads/{cell}.log",
        conda:
            "../envs/dreamtf.yaml"
        params:
            seed=lookup(dpath="release/seed", within=config),
        script:
            "../scripts/simulate_reads.py"
