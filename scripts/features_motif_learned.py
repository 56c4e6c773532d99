"""Rule features_motif_learned: the motifs learned for one TF, scanned like its database matrix."""

from dreamtf.featurestore import build_motif_learned
from dreamtf.rule import run


def main(smk):
    build_motif_learned(
        smk.wildcards.tf,
        smk.input.meme,
        smk.input.fasta,
        list(smk.input.regions),
        smk.output[0],
        size=smk.params.size,
        flank=smk.params.flank,
    )


run(main, snakemake)  # noqa: F821
