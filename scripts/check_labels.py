"""Rule check_labels: one label file of the release against the genome, for the cells the run reads from it."""

import json
import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.files import atomic_write_text
from dreamtf.release import check_labels
from dreamtf.rule import run


def main(smk):
    record = check_labels(
        smk.input.labels,
        list(smk.params.cells),
        sizes=read_chrom_sizes(smk.input.sizes),
        size=smk.params.size,
        genome=f"the genome ({smk.input.sizes})",
    )
    with atomic_write_text(smk.output[0]) as fh:
        json.dump(record, fh, indent=1)
    logging.getLogger("dreamtf").info(
        "%s OK: %d windows of %s", smk.input.labels, record["windows"], ", ".join(record["cells"])
    )


run(main, snakemake)  # noqa: F821
