"""The ensemble: the rank average of several models' predictions for one TF and cell type (DESIGN section 5).

Each member's score becomes its rank among the cell's windows, scaled to [0, 1] (tied
scores share their average rank); the ensemble's score is the mean of its members'
ranks. Ranks, not scores, are averaged because the members' scores live on different
scales (Catchitt's averaged XGBoost probabilities, FactorNet's sigmoid): a rank
average lets neither dominate, as the challenge's top teams combined their models.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from .errors import DreamTFError
from .io.windowtable import WindowTable


def scaled_ranks(scores: np.ndarray) -> np.ndarray:
    """Each score's rank among ``scores`` scaled to [0, 1]: 0 the lowest, 1 the highest; ties averaged."""
    n = len(scores)
    if n < 2:
        return np.ones(n)
    return (rankdata(scores, method="average") - 1.0) / (n - 1.0)


def rank_average(members: list[WindowTable], regions: WindowTable) -> np.ndarray:
    """The ensemble's scores in the order of ``regions``: the mean of each member's scaled rank.

    Every member must be a submission of exactly the windows of ``regions``, in its
    order (as every dreamtf model writes them); the first difference is an error naming
    the member's file, its line and the window.
    """
    if not members:
        raise DreamTFError("an ensemble needs at least one member's predictions")
    total = np.zeros(len(regions))
    for table in members:
        table.check_same_windows(regions)
        total += scaled_ranks(table.score)
    return total / len(members)
