"""Rule check_release: one pass over the genome and region files (mismatches caught early); writes chrom.sizes."""

import logging

from dreamtf.release import check_release
from dreamtf.rule import run


def main(smk):
    sizes = check_release(
        fasta=smk.input.fasta,
        regions=dict(zip(smk.params.splits, smk.input.regions)),
        size=smk.params.size,
        test_chroms=list(smk.params.test_chroms),
        valid_chroms=list(smk.params.valid_chroms),
        out_sizes=smk.output.sizes,
    )
    logging.getLogger("dreamtf").info("release OK: %d chromosomes", len(sizes))


run(main, snakemake)  # noqa: F821
