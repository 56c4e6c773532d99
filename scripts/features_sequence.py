"""Rule features_sequence: GC content and CpG observed/expected."""

from dreamtf.featurestore import build_sequence
from dreamtf.rule import run


def main(smk):
    build_sequence(smk.input.fasta, list(smk.input.regions), smk.output[0], size=smk.params.size)


run(main, snakemake)  # noqa: F821
