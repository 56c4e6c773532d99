"""Rule ensemble (and validate_ensemble): the rank average of catchitt (one feature set) and factornet."""

import logging

from dreamtf.ensemble import rank_average
from dreamtf.io.windowtable import read_predictions, read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    size = smk.params.size
    regions = read_regions(smk.input.regions, chroms=smk.params.get("chroms"), size=size)
    members = [read_predictions(path, size=size) for path in smk.input.members]
    scores = rank_average(members, regions)

    def rows():
        done = 0
        for chrom, starts in regions.by_chrom():
            yield chrom, starts, scores[done : done + len(starts)]
            done += len(starts)

    n = write_predictions(smk.output[0], rows(), size=size)
    logging.getLogger("dreamtf").info("%d windows: the rank average of %s", n, ", ".join(smk.input.members))


run(main, snakemake)  # noqa: F821
