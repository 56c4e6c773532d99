"""Rule ensemble_weights: each ensemble member's reference distribution and weight, from the
validation chromosomes of the training cells."""

import json
import logging

from dreamtf.ensemble import (
    GRID_STEP,
    check_member_files,
    choose_weights,
    equal_weights,
    name_weights,
    place,
    reference,
)
from dreamtf.io.files import atomic_write_text
from dreamtf.io.windowtable import read_labels, read_predictions
from dreamtf.rule import run


def validation_cells(smk, chroms, cells, members):
    """(label codes, [each member's scores]) per training cell over its validation windows."""
    labels = read_labels(smk.input.labels, cells=cells, chroms=chroms, size=smk.params.size)
    paths = list(smk.input.predictions)  # cell-major: each cell's members in the order of params.members
    check_member_files(members, paths, per=len(cells))
    n_members = len(members)
    per_cell = []
    for i, cell in enumerate(cells):
        mine = paths[i * n_members : (i + 1) * n_members]
        preds = [read_predictions(p, chroms=chroms, size=labels.size) for p in mine]
        for p in preds[1:]:
            p.check_same_windows(preds[0])
        per_cell.append((labels.column(cell)[labels.align(preds[0])], [p.score for p in preds]))
    return per_cell


def main(smk):
    chroms, cells, members = list(smk.params.chroms), list(smk.params.cells), list(smk.params.members)
    per_cell = validation_cells(smk, chroms, cells, members)
    # each member's reference: its scores on every training cell's validation windows, pooled
    refs = [reference([scores[k] for _, scores in per_cell]) for k in range(len(members))]
    if smk.params.mode == "equal":
        got = {"weights": equal_weights(len(members)), "validation_auprc": None, "equal_auprc": None}
    else:
        placed = [(codes, [place(s, r) for s, r in zip(scores, refs)]) for codes, scores in per_cell]
        got = choose_weights(placed)
    got["weights"] = name_weights(members, got["weights"])
    w = smk.wildcards
    out = {
        "tf": w.tf,
        "feature_set": w.feature_set,
        "members": members,
        "mode": smk.params.mode,
        "grid_step": GRID_STEP,
        "cells": cells,
        "chroms": chroms,
        **got,
        "references": dict(zip(members, refs)),
    }
    with atomic_write_text(smk.output[0]) as fh:
        json.dump(out, fh, indent=1)
    logging.getLogger("dreamtf").info(
        "%s %s: weights %s (%s); mean validation auPRC %s, %s with equal weights; references of %s knots",
        w.tf,
        w.feature_set,
        out["weights"],
        smk.params.mode,
        out["validation_auprc"],
        out["equal_auprc"],
        ", ".join(str(len(r["scores"])) for r in refs),
    )


run(main, snakemake)  # noqa: F821
