"""Scoring a submission file against a label TSV, as the challenge did (DESIGN section 7)."""

from __future__ import annotations

import logging
import os

from . import metrics
from .errors import DreamTFError
from .io.windowtable import read_labels, read_predictions

log = logging.getLogger(__name__)


def score_files(
    labels_path: str | os.PathLike,
    cell: str,
    predictions_path: str | os.PathLike,
    *,
    chroms: list[str],
    bootstrap: int,
    size: int | None = None,
) -> dict:
    """Score one cell's submission on the held-out ``chroms`` (every one must be labelled).

    ``size`` is the configured window size (default: the labels' own); the submission's
    windows must have the labels' width, and every labelled window a prediction.
    """
    chroms = list(chroms)
    if bootstrap < 0:
        raise DreamTFError(f"bootstrap: expected a count of subsamples >= 0, got {bootstrap}")
    lab = read_labels(labels_path, cells=[cell], chroms=chroms, size=size)
    missing = [c for c in chroms if c not in lab.chroms]
    if missing:
        raise DreamTFError(
            f"{labels_path}: no labelled window on {', '.join(missing)} (scored chromosomes: {', '.join(chroms)})"
        )
    codes = lab.column(cell)
    for code, name in ((2, "bound (B)"), (0, "unbound (U)")):
        if not (codes == code).any():
            raise DreamTFError(
                f"{labels_path}: no {name} window of {cell} on {', '.join(chroms)}, so its scores are undefined "
                "(are the cell's ChIP-seq peaks empty or from another experiment?)"
            )
    pred = read_predictions(predictions_path, chroms=chroms, size=lab.size)
    if len(pred) == 0:
        names = read_predictions(predictions_path, size=lab.size).chroms
        prefix = any(("chr" + c) in chroms or c.removeprefix("chr") in chroms for c in names)
        hint = "; the files disagree on the 'chr' prefix" if prefix else ""
        raise DreamTFError(
            f"{predictions_path}: no prediction on {', '.join(chroms)} (it names {', '.join(names[:4])}{hint})"
        )
    scores = pred.score[pred.align(lab)]
    return metrics.score(codes, scores, bootstrap=bootstrap)
