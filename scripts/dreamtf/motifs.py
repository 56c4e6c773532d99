"""Position weight matrices: JASPAR through pyjaspar (offline), log-odds scores.

Bases are coded A=0, C=1, G=2, T=3 (N=4) everywhere in dreamtf.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .errors import DreamTFError

log = logging.getLogger(__name__)

#: hg19's base composition (about 41 % GC), used as log-odds background.
BACKGROUND = np.array([0.295, 0.205, 0.205, 0.295])

#: The JASPAR matrix used for a TF when none is named (the classic, best-known one).
PREFERRED = {
    "CTCF": "MA0139.2",
    "FOXA1": "MA0148.5",
    "REST": "MA0138.3",
    "HNF4A": "MA0114.5",
    "JUND": "MA0491.3",
    "MAX": "MA0058.4",
    "GABPA": "MA0062.4",
    "EGR1": "MA0162.5",
    "YY1": "MA0095.4",
    "CEBPB": "MA0466.4",
    "SPI1": "MA0080.7",
    "GATA1": "MA0035.5",
}


@dataclass
class Motif:
    """A motif as base probabilities, shape (length, 4), columns A, C, G, T."""

    name: str
    matrix_id: str
    probs: np.ndarray

    def __len__(self) -> int:
        return len(self.probs)

    def log_odds(self, background: np.ndarray = BACKGROUND) -> np.ndarray:
        """log2(p / background), shape (length, 4)."""
        return np.log2(self.probs / background)


def counts_to_probs(counts: np.ndarray, pseudocount: float = 0.8) -> np.ndarray:
    """Counts (length, 4) to probabilities with a pseudocount spread over the bases."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[1] != 4 or (counts < 0).any():
        raise DreamTFError(f"a count matrix must be (length, 4) and non-negative, got shape {counts.shape}")
    c = counts + pseudocount / 4
    return c / c.sum(axis=1, keepdims=True)


def load_jaspar(tf: str, matrix_id: str | None = None) -> Motif:
    """Load a TF's matrix from the JASPAR release bundled with pyjaspar (no network).

    ``matrix_id`` (e.g. ``MA0139.2``) wins; else the preferred matrix for well-known
    TFs; else the first matrix JASPAR lists under the TF's name.
    """
    from pyjaspar import jaspardb

    db = jaspardb()
    mid = matrix_id or PREFERRED.get(tf.upper())
    m = db.fetch_motif_by_id(mid) if mid else None
    if m is None:
        found = db.fetch_motifs_by_name(tf)
        if not found:
            raise DreamTFError(f"no JASPAR matrix for TF {tf!r} in {db.release}; name one by its matrix id")
        m = found[0]
    counts = np.array([m.counts[b] for b in "ACGT"]).T
    return Motif(name=tf, matrix_id=m.matrix_id, probs=counts_to_probs(counts))


def score_instance(motif: Motif, codes: np.ndarray) -> np.ndarray:
    """Log-odds scores of motif instances, shape (n,), from base codes of shape (n, length)."""
    lo = motif.log_odds()
    return lo[np.arange(len(motif))[None, :], codes].sum(axis=1)


def score_range(motif: Motif) -> tuple[float, float]:
    """Minimum and maximum possible log-odds score."""
    lo = motif.log_odds()
    return float(lo.min(axis=1).sum()), float(lo.max(axis=1).sum())


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of base codes along the last axis (N stays N)."""
    lut = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
    return lut[codes[..., ::-1]]


def scan(motif: Motif, codes: np.ndarray, background: np.ndarray = BACKGROUND) -> np.ndarray:
    """Best log-odds score of either strand for every motif start position.

    Parameters
    ----------
    codes : uint8 array, shape (n,)
        Base codes of one chromosome (N = 4 scores as the worst base).

    Returns
    -------
    float32 array, shape (n - len(motif) + 1,)
        ``out[i]`` scores the instance starting at ``i`` on the forward strand or its
        reverse complement, whichever is higher.
    """
    lo = motif.log_odds(background).astype(np.float32)
    length = len(lo)
    n = len(codes) - length + 1
    if n <= 0:
        return np.empty(0, dtype=np.float32)
    table_f = np.concatenate([lo, lo.min(axis=1, keepdims=True)], axis=1)  # (L, 5), N = worst
    rc = lo[::-1, ::-1]
    table_r = np.concatenate([rc, rc.min(axis=1, keepdims=True)], axis=1)
    fwd = np.zeros(n, dtype=np.float32)
    rev = np.zeros(n, dtype=np.float32)
    for j in range(length):
        window = codes[j : j + n]
        fwd += table_f[j][window]
        rev += table_r[j][window]
    return np.maximum(fwd, rev)
