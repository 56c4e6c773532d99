"""Rule predict_baseline (and validate_baseline): each window's maximum signal over the cell's mean, as a submission."""

import logging

from dreamtf.baseline import predict_max_dnase
from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.windowtable import read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    regions = read_regions(smk.input.regions, chroms=smk.params.get("chroms"), size=smk.params.size)
    items = ((chrom, starts, regions.size) for chrom, starts in regions.by_chrom())
    rows = predict_max_dnase(smk.input.bigwig, items, read_chrom_sizes(smk.input.sizes))
    n = write_predictions(smk.output[0], rows, size=regions.size)
    logging.getLogger("dreamtf").info("%d windows predicted", n)


run(main, snakemake)  # noqa: F821
