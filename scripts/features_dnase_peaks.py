"""Rule features_dnase_peaks: overlap with and rank of one cell's DNase peaks."""

from dreamtf.featurestore import build_dnase_peaks
from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.rule import run


def main(smk):
    build_dnase_peaks(
        smk.input.conservative,
        smk.input.relaxed,
        list(smk.input.regions),
        smk.output[0],
        size=smk.params.size,
        chrom_sizes=read_chrom_sizes(smk.input.sizes),
    )


run(main, snakemake)  # noqa: F821
