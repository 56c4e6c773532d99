"""Rule ensemble (and validate_ensemble): the weighted rank average of catchitt (one feature set) and factornet."""

import logging

from dreamtf.ensemble import check_member_files, rank_average, read_weights
from dreamtf.io.windowtable import write_predictions
from dreamtf.rule import run


def main(smk):
    size, chroms = smk.params.size, smk.params.get("chroms")
    names, paths = list(smk.params.members), list(smk.input.members)
    check_member_files(names, paths)
    weights = read_weights(smk.input.weights, names)
    rows = rank_average(paths, smk.input.regions, weights, size=size, chroms=chroms)
    n = write_predictions(smk.output[0], rows, size=size)
    logging.getLogger("dreamtf").info(
        "%d windows: the rank average of %s",
        n,
        ", ".join(f"{name} ({path}, weight {w})" for name, path, w in zip(names, paths, weights)),
    )


run(main, snakemake)  # noqa: F821
