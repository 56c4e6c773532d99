"""Rule call_peaks: a per-cell-type peak list from a model's window scores."""

import logging

from dreamtf.io.narrowpeak import write_narrowpeak
from dreamtf.io.windowtable import read_predictions, read_regions
from dreamtf.peaks import peaks_from_predictions
from dreamtf.rule import run


def main(smk):
    regions = read_regions(smk.input.regions, size=smk.params.size)
    pred = read_predictions(smk.input.predictions, size=smk.params.size)
    pred.check_same_windows(regions)
    peaks, threshold = peaks_from_predictions(
        pred, regions.size, top_fraction=smk.params.top_fraction, max_gap=smk.params.max_gap
    )
    w = smk.wildcards
    n = write_narrowpeak(smk.output[0], peaks, name_prefix=f"{w.model}.{w.tf}.{w.cell}")
    logging.getLogger("dreamtf").info("%d peaks at score >= %g", n, threshold)


run(main, snakemake)  # noqa: F821
