"""Rule ensemble: the weighted average of its members' scores, each placed in the member's reference distribution."""

import logging

from dreamtf.ensemble import check_member_files, read_references, read_weights, reference_average
from dreamtf.io.windowtable import write_predictions
from dreamtf.rule import run


def main(smk):
    size, chroms = smk.params.size, smk.params.get("chroms")
    names, paths = list(smk.params.members), list(smk.input.members)
    check_member_files(names, paths)
    weights = read_weights(smk.input.weights, names)
    refs = read_references(smk.input.weights, names)
    rows = reference_average(paths, smk.input.regions, refs, weights, size=size, chroms=chroms)
    n = write_predictions(smk.output[0], rows, size=size)
    logging.getLogger("dreamtf").info(
        "%d windows: the weighted average of the reference ranks of %s",
        n,
        ", ".join(f"{name} ({path}, weight {w})" for name, path, w in zip(names, paths, weights)),
    )


run(main, snakemake)  # noqa: F821
