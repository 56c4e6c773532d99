"""Rule simulate_reads: a simulated release's BAM of one cell, drawn from its fold-change track."""

import logging

from dreamtf.rule import run
from dreamtf.simreads import READS_PER_MB, write_simulated_bam
from dreamtf.simulate import rng_for


def main(smk):
    n = write_simulated_bam(
        smk.input.bigwig,
        smk.output.bam,
        reads_per_mb=READS_PER_MB,
        assay="DNase-seq",
        rng=rng_for(smk.params.seed, "reads", smk.wildcards.cell),
    )
    logging.getLogger("dreamtf").info("%s: %d reads", smk.output.bam, n)


run(main, snakemake)  # noqa: F821
