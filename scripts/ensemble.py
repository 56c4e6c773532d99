"""Rule ensemble (and validate_ensemble): the weighted rank average of catchitt (one feature set) and factornet."""

import logging

from dreamtf.ensemble import rank_average, read_weights
from dreamtf.io.windowtable import read_predictions, read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    size = smk.params.size
    regions = read_regions(smk.input.regions, chroms=smk.params.get("chroms"), size=size)
    members = [read_predictions(path, size=size) for path in smk.input.members]
    weights = read_weights(smk.input.weights, len(members))
    scores = rank_average(members, regions, weights)

    def rows():
        done = 0
        for chrom, starts in regions.by_chrom():
            yield chrom, starts, scores[done : done + len(starts)]
            done += len(starts)

    n = write_predictions(smk.output[0], rows(), size=size)
    logging.getLogger("dreamtf").info(
        "%d windows: the rank average of %s, weights %s", n, ", ".join(smk.input.members), weights
    )


run(main, snakemake)  # noqa: F821
