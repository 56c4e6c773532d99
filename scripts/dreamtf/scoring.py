"""Scoring a submission file against a label TSV, as the challenge did.

The challenge scored each (TF, held-out cell) on the test chromosomes only: auROC,
auPRC and recall at 50 % and 10 % FDR over the bound (B) and unbound (U) windows,
ambiguous (A) windows left out, with bounds from stratified bootstrap subsamples.
"""

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

    Parameters
    ----------
    labels_path, predictions_path : path-like
        The label TSV and the submission file.
    cell : str
        The label column scored.
    chroms : list of str
        The scored chromosomes.
    bootstrap : int
        Stratified subsamples, each leaving out one of ``bootstrap`` folds (10 gives the
        challenge's 90 % subsamples), whose minimum and maximum are ``<metric>_lower`` and
        ``<metric>_upper``: 0 for none, else at least 2 (one fold would leave every window
        out of its only subsample, so its bounds would be undefined).
    size : int, optional
        The configured window size (default: the labels' own); the submission's windows
        must have the labels' width, and every labelled window a prediction.

    Returns
    -------
    dict of the metrics and window counts (:func:`dreamtf.metrics.score`).
    """
    chroms = list(chroms)
    if bootstrap < 0 or bootstrap == 1:
        raise DreamTFError(f"bootstrap: expected 0 (no bootstrap) or a count of subsamples >= 2, got {bootstrap}")
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
