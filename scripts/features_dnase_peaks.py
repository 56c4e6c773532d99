"""Rule features_dnase_peaks: overlap with and rank of one cell's DNase peaks."""

from dreamtf.featurestore import build_dnase_peaks
from dreamtf.rule import run


def main(smk):
    build_dnase_peaks(
        smk.input.conservative, smk.input.relaxed, list(smk.input.regions), smk.output[0], size=smk.params.size
    )


run(main, snakemake)  # noqa: F821
