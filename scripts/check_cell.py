"""Rule check_cell: one cell's accessibility signal and peaks against the genome, before any job reads them."""

import json
import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.files import atomic_write_text
from dreamtf.release import check_cell
from dreamtf.rule import run


def main(smk):
    sizes = read_chrom_sizes(smk.input.sizes)
    record = check_cell(
        smk.wildcards.cell,
        signal=smk.input.signal,
        peaks=list(smk.input.peaks),
        sizes=sizes,
        chroms=list(sizes),
        genome=f"the genome ({smk.input.sizes})",
    )
    with atomic_write_text(smk.output[0]) as fh:
        json.dump(record, fh, indent=1)
    logging.getLogger("dreamtf").info("%s OK: signal on %d chromosomes", smk.wildcards.cell, len(record["chromosomes"]))


run(main, snakemake)  # noqa: F821
