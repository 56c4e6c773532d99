"""Rule check_release: one pass over the release that catches mismatched chromosome names early."""

import logging

from dreamtf.release import check_release
from dreamtf.rule import run


def main(smk):
    sizes = check_release(
        smk.params.release,
        fasta=smk.params.fasta,
        tfs=dict(smk.params.tfs),
        size=smk.params.size,
        out_sizes=smk.output.sizes,
    )
    logging.getLogger("dreamtf").info("release OK: %d chromosomes", len(sizes))


run(main, snakemake)  # noqa: F821
