"""Rule check_release: one pass over the genome, region and label files the run uses (mismatches caught early)."""

import logging

from dreamtf.release import check_release
from dreamtf.rule import run


def main(smk):
    sizes = check_release(
        fasta=smk.input.fasta,
        regions=dict(zip(smk.params.splits, smk.input.regions)),
        labels={path: list(cells) for path, cells in zip(smk.input.labels, smk.params.label_cells)},
        size=smk.params.size,
        test_chroms=list(smk.params.test_chroms),
        valid_chroms=list(smk.params.valid_chroms),
        out_sizes=smk.output.sizes,
    )
    logging.getLogger("dreamtf").info("release OK: %d chromosomes", len(sizes))


run(main, snakemake)  # noqa: F821
