"""Rule genome_codes: the genome decoded once into memory-mappable base codes."""

import logging

from dreamtf.io.fasta import write_genome_codes
from dreamtf.rule import run


def main(smk):
    index = write_genome_codes(smk.input.fasta, smk.output.codes, smk.output.index)
    logging.getLogger("dreamtf").info("%d chromosomes, %d bp", len(index), sum(n for _, n in index.values()))


run(main, snakemake)  # noqa: F821
