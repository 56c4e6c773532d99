"""Rule features_motif: PWM scan of one TF's matrix, both strands, per 50 bp bin."""

from dreamtf.featurestore import build_motif
from dreamtf.rule import run


def main(smk):
    build_motif(
        smk.wildcards.tf,
        smk.input.fasta,
        list(smk.input.regions),
        smk.output[0],
        size=smk.params.size,
        flank=smk.params.flank,
        matrix=smk.params.matrix,
    )


run(main, snakemake)  # noqa: F821
