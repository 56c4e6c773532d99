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
    pred = read_predictions(predictions_path, chroms=chroms, size=lab.size)
    scores = pred.score[pred.align(lab)]
    return metrics.score(lab.column(cell), scores, bootstrap=bootstrap)
