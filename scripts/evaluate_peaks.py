"""Rule evaluate_peaks: a held-out peak list's promised precision against the held-out truth."""

import logging

from dreamtf.calibration import precision_at, q_values, read_calibration
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.io.scorefile import write_score_record
from dreamtf.io.windowtable import read_labels, read_predictions
from dreamtf.peaks import peak_precision_recall, peak_threshold
from dreamtf.rule import run


def main(smk):
    w = smk.wildcards
    chroms, settings = list(smk.params.chroms), dict(smk.params.peaks)
    cal = read_calibration(smk.input.calibration)
    pred = read_predictions(smk.input.predictions, size=smk.params.size)
    threshold = peak_threshold(pred.score, settings, cal)  # as call_peaks chose it, over the whole file
    labels = read_labels(smk.input.labels, cells=[w.cell], chroms=chroms, size=pred.size)
    rows = pred.align(labels)
    windows = precision_at(pred.score[rows], labels.column(w.cell), None if threshold == float("inf") else threshold)
    promised = None
    if threshold != float("inf") and cal["curve"]["score"]:
        promised = float(1 - q_values(cal, [threshold])[0])
    row = {
        "model": w.model,
        "feature_set": w.feature_set,
        "tf": w.tf,
        "cell_type": w.cell,
        "threshold_mode": settings["threshold"],
        "threshold": None if threshold == float("inf") else threshold,
        "target_precision": settings["precision"] if settings["threshold"] == "precision" else None,
        "promised_precision": promised,
        "validation_cells": ",".join(cal.get("cells", [])),
        "windows_passing": windows["passing"],
        "window_precision": windows["precision"],
        "window_recall": windows["recall"],
    }
    called = read_narrowpeak(smk.input.peaks, allow_empty=True)
    if "chip" in smk.input.keys():
        truth = read_narrowpeak(smk.input.chip)
        pk = peak_precision_recall(called, truth, chroms)
    else:
        pk = {"called_peaks": sum(len(called.get(c, [])) for c in chroms), "true_peaks": None}
        pk.update(precision=None, recall=None)
    row.update(
        peaks=pk["called_peaks"], true_peaks=pk["true_peaks"], peak_precision=pk["precision"], peak_recall=pk["recall"]
    )
    write_score_record(smk.output[0], row)
    logging.getLogger("dreamtf").info("%s", row)


run(main, snakemake)  # noqa: F821
