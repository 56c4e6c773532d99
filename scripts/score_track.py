"""Rule score_track: a prediction file as a bigWig, each window's score over its central step."""

import logging

from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.windowstream import iter_predictions
from dreamtf.rule import run
from dreamtf.tracks import write_score_track


def main(smk):
    predictions = iter_predictions(smk.input.predictions, size=smk.params.size)  # one chromosome at a time
    n = write_score_track(predictions, read_chrom_sizes(smk.input.sizes), smk.output[0])
    logging.getLogger("dreamtf").info("%d windows drawn in %s", n, smk.output[0])


run(main, snakemake)  # noqa: F821
