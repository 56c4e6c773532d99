"""Rule calibrate: the threshold of a model's scores reaching the target precision on validation windows."""

import logging

import numpy as np

from dreamtf.calibration import calibrate, write_calibration
from dreamtf.io.windowtable import read_labels, read_predictions
from dreamtf.metrics import has_both_classes, score
from dreamtf.rule import run


def main(smk):
    chroms, cells = list(smk.params.chroms), list(smk.params.cells)
    labels = read_labels(smk.input.labels, cells=cells, chroms=chroms, size=smk.params.size)
    scores, codes, per_cell = [], [], {}
    for cell, path in zip(cells, smk.input.predictions):
        pred = read_predictions(path, chroms=chroms, size=labels.size)
        scores.append(pred.score)
        codes.append(labels.column(cell)[labels.align(pred)])
        has_both = has_both_classes(codes[-1])
        per_cell[cell] = round(score(codes[-1], scores[-1], bootstrap=0)["auprc"], 6) if has_both else None
    cal = calibrate(np.concatenate(scores), np.concatenate(codes), smk.params.precision)
    w = smk.wildcards
    cal = {
        "model": w.model,
        "feature_set": w.feature_set,
        "tf": w.tf,
        "cells": cells,
        "chroms": chroms,
        "validation_auprc": per_cell,  # the challenge's auPRC over every validation window, per training cell
        **cal,
    }
    write_calibration(smk.output[0], cal)
    logging.getLogger("dreamtf").info(
        "%s: threshold %s for precision %g (%s of %d bound windows on %s in %s); auPRC there per cell: %s",
        w.tf,
        cal["threshold"],
        cal["target_precision"],
        cal.get("bound", 0),
        cal["bound_windows"],
        ", ".join(chroms),
        ", ".join(cells),
        per_cell,
    )


run(main, snakemake)  # noqa: F821
