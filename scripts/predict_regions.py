"""Rule predict_regions: the windows prediction cells are predicted on, genome-wide by default."""

import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.windowtable import read_regions, write_regions
from dreamtf.rule import run
from dreamtf.windows import union_windows


def main(smk):
    size = smk.params.size
    tables = [read_regions(p, size=size) for p in smk.input.regions]
    order = list(read_chrom_sizes(smk.input.sizes))
    windows = union_windows(tables, chroms=smk.params.chroms, order=order)
    n = write_regions(smk.output[0], iter(windows), size=size)
    logging.getLogger("dreamtf").info("%d windows on %d chromosomes", n, len(windows))


run(main, snakemake)  # noqa: F821
