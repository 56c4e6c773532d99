"""Rule ensemble (and validate_ensemble): the weighted rank average of catchitt (one feature set) and factornet."""

import logging

from dreamtf.ensemble import check_member_files, rank_average, read_weights
from dreamtf.io.windowtable import read_predictions, read_regions, write_predictions
from dreamtf.rule import run


def main(smk):
    size = smk.params.size
    names, paths = list(smk.params.members), list(smk.input.members)
    check_member_files(names, paths)
    weights = read_weights(smk.input.weights, names)
    regions = read_regions(smk.input.regions, chroms=smk.params.get("chroms"), size=size)
    members = [read_predictions(path, size=size) for path in paths]
    scores = rank_average(members, regions, weights)

    def rows():
        done = 0
        for chrom, starts in regions.by_chrom():
            yield chrom, starts, scores[done : done + len(starts)]
            done += len(starts)

    n = write_predictions(smk.output[0], rows(), size=size)
    logging.getLogger("dreamtf").info(
        "%d windows: the rank average of %s",
        n,
        ", ".join(f"{name} ({path}, weight {w})" for name, path, w in zip(names, paths, weights)),
    )


run(main, snakemake)  # noqa: F821
