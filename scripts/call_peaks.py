"""Rule call_peaks: a per-cell-type peak list from a model's window scores."""

import logging

from dreamtf.peaks import peaks_from_predictions, write_narrowpeak
from dreamtf.release import read_regions
from dreamtf.rule import run
from dreamtf.submission import check_matches_regions, read_predictions


def main(smk):
    regions = read_regions(smk.input.regions)
    pred = read_predictions(smk.input.predictions)
    check_matches_regions(pred, regions.chroms, regions.chrom, regions.start, smk.input.predictions, smk.input.regions)
    peaks, threshold = peaks_from_predictions(
        pred, regions.size, top_fraction=smk.params.top_fraction, max_gap=smk.params.max_gap
    )
    w = smk.wildcards
    n = write_narrowpeak(smk.output[0], peaks, name_prefix=f"{w.model}.{w.tf}.{w.cell}")
    logging.getLogger("dreamtf").info("%d peaks at score >= %g", n, threshold)


run(main, snakemake)  # noqa: F821
