"""Rule call_peaks: a per-cell-type peak list from a model's window scores, at a calibrated threshold.

The predictions are read one chromosome at a time, checked against the region file as
they come; the top-k thresholds read the scores in passes of their own first.
"""

import logging

from dreamtf.calibration import read_calibration
from dreamtf.io.narrowpeak import write_narrowpeak
from dreamtf.io.windowstream import check_same_window_stream, iter_predictions, iter_regions
from dreamtf.peaks import peaks_by_chrom, stream_threshold
from dreamtf.rule import run


def main(smk):
    log = logging.getLogger("dreamtf")
    settings, size = dict(smk.params.peaks), smk.params.size
    calibration = read_calibration(smk.input.calibration)
    if settings["threshold"] == "precision" and calibration["threshold"] is None:
        log.warning(
            "no score reaches precision %g on the validation windows (best %s): an empty peak list; "
            "lower peaks.precision or choose another peaks.threshold",
            settings["precision"],
            calibration["best_estimated_precision"],
        )

    def scores():
        return (t.score for t in iter_predictions(smk.input.predictions, size=size))

    threshold = stream_threshold(scores, settings, calibration)
    checked = check_same_window_stream(
        iter_predictions(smk.input.predictions, size=size), iter_regions(smk.input.regions, size=size)
    )
    per_chrom = ((t.chroms[0], t.start, t.score) for t in checked)
    peaks = peaks_by_chrom(per_chrom, size, threshold, settings["max_gap"], calibration)
    w = smk.wildcards
    # the model and feature set in every name: lists of one TF and cell look alike in a browser otherwise
    n = write_narrowpeak(smk.output[0], peaks, name_prefix=f"{w.model}:{w.feature_set}:{w.tf}:{w.cell}")
    log.info("%d peaks at score >= %g (peaks.threshold: %s)", n, threshold, settings["threshold"])


run(main, snakemake)  # noqa: F821
