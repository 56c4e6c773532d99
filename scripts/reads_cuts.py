"""Rule bam_cuts: a BAM's kept reads as cut sites (dreamtf.reads.bam_cuts), with their counts."""

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.reads import bam_cuts, write_json
from dreamtf.rule import run


def main(smk):
    sizes = read_chrom_sizes(smk.input.sizes)
    counts = bam_cuts(smk.input.bam, sizes, smk.output.cuts, assay=smk.params.assay, min_mapq=smk.params.min_mapq)
    write_json(smk.output.record, {"form": "bam", "file": smk.input.bam, "assay": smk.params.assay, **counts})


run(main, snakemake)  # noqa: F821
