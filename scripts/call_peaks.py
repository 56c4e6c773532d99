"""Rule call_peaks: a per-cell-type peak list from a model's window scores, at a calibrated threshold."""

import logging

from dreamtf.calibration import read_calibration
from dreamtf.io.narrowpeak import write_narrowpeak
from dreamtf.io.windowtable import read_predictions, read_regions
from dreamtf.peaks import peaks_from_predictions
from dreamtf.rule import run


def main(smk):
    log = logging.getLogger("dreamtf")
    settings = dict(smk.params.peaks)
    regions = read_regions(smk.input.regions, size=smk.params.size)
    pred = read_predictions(smk.input.predictions, size=smk.params.size)
    pred.check_same_windows(regions)
    calibration = read_calibration(smk.input.calibration)
    if settings["threshold"] == "precision" and calibration["threshold"] is None:
        log.warning(
            "no score reaches precision %g on the validation windows (best %s): an empty peak list; "
            "lower peaks.precision or choose another peaks.threshold",
            settings["precision"],
            calibration["best_estimated_precision"],
        )
    peaks, threshold = peaks_from_predictions(pred, regions.size, settings, calibration)
    w = smk.wildcards
    n = write_narrowpeak(smk.output[0], peaks, name_prefix=f"{w.model}.{w.tf}.{w.cell}")
    log.info("%d peaks at score >= %g (peaks.threshold: %s)", n, threshold, settings["threshold"])


run(main, snakemake)  # noqa: F821
