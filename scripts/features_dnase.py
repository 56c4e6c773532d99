"""Rule features_dnase: Catchitt's DNase bin statistics of one cell, rank-normalised."""

from dreamtf.featurestore import build_dnase
from dreamtf.rule import run


def main(smk):
    build_dnase(smk.input.bigwig, list(smk.input.regions), smk.output[0], size=smk.params.size, flank=smk.params.flank)


run(main, snakemake)  # noqa: F821
