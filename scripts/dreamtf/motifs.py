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
    import warnings

    from pyjaspar import jaspardb

    db = jaspardb()
    mid = matrix_id or PREFERRED.get(tf.upper())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns, then returns None, for an unknown id
        m = db.fetch_motif_by_id(mid) if mid else None
    if m is None and matrix_id:
        raise DreamTFError(
            f"features.motifs.{tf}: {matrix_id!r} is neither a motif file nor a matrix id of JASPAR {db.release}"
        )
    if m is None:
        found = db.fetch_motifs_by_name(tf)
        if not found:
            raise DreamTFError(
                f"no JASPAR matrix for TF {tf!r} in {db.release}; name one (a matrix id or a JASPAR/MEME "
                f"file) as features.motifs.{tf}, or leave out the motif group and set factornet.motif_init: false"
            )
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


def kmer_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """Base-5 code of the k-mer starting at every position (N = 4), padded with N past the end.

    Returns int32 of shape (n,): ``sum(codes[i + j] * 5 ** (k - 1 - j))``.
    """
    n = len(codes)
    padded = np.concatenate([codes, np.full(k - 1, 4, dtype=np.uint8)])
    out = np.zeros(n, dtype=np.int32)
    for j in range(k):
        out *= 5
        out += padded[j : j + n]
    return out


def _chunk_tables(lo: np.ndarray, k: int) -> list[np.ndarray]:
    """Lookup tables over k-mer codes: table t sums motif columns t*k ... t*k+k-1."""
    ext = np.concatenate([lo, lo.min(axis=1, keepdims=True)], axis=1)  # N scores as the worst base
    digits = (np.arange(5**k)[:, None] // 5 ** np.arange(k - 1, -1, -1)[None, :]) % 5  # (5^k, k)
    tables = []
    for t in range(0, len(lo), k):
        cols = ext[t : t + k]  # (m, 5), m <= k
        tables.append(sum(cols[j][digits[:, j]] for j in range(len(cols))).astype(np.float32))
    return tables


def scan(motif: Motif, codes: np.ndarray, background: np.ndarray = BACKGROUND, k: int = 6) -> np.ndarray:
    """Best log-odds score of either strand for every motif start position.

    Parameters
    ----------
    codes : uint8 array, shape (n,)
        Base codes of one chromosome (N = 4 scores as the worst base).
    k : int
        k-mer size of the lookup tables: the motif is scored ``ceil(L / k)`` lookups at a
        time per strand instead of L, which makes the scan several times faster.

    Returns
    -------
    float32 array, shape (n - len(motif) + 1,)
        ``out[i]`` scores the instance starting at ``i`` on the forward strand or its
        reverse complement, whichever is higher.
    """
    lo = motif.log_odds(background)
    length = len(lo)
    n = len(codes) - length + 1
    if n <= 0:
        return np.empty(0, dtype=np.float32)
    kc = kmer_codes(codes, k)
    out = None
    for mat in (lo, lo[::-1, ::-1]):  # forward, reverse complement
        acc = np.zeros(n, dtype=np.float32)
        for t, table in enumerate(_chunk_tables(mat, k)):
            acc += table[kc[t * k : t * k + n]]
        out = acc if out is None else np.maximum(out, acc)
    return out


def scan_reference(motif: Motif, codes: np.ndarray, background: np.ndarray = BACKGROUND) -> np.ndarray:
    """Plain position-by-position scan (slow); the reference :func:`scan` is tested against."""
    lo = motif.log_odds(background)
    ext = np.concatenate([lo, lo.min(axis=1, keepdims=True)], axis=1)
    rc = lo[::-1, ::-1]
    ext_rc = np.concatenate([rc, rc.min(axis=1, keepdims=True)], axis=1)
    n = len(codes) - len(lo) + 1
    fwd = sum(ext[j][codes[j : j + n]] for j in range(len(lo)))
    rev = sum(ext_rc[j][codes[j : j + n]] for j in range(len(lo)))
    return np.maximum(fwd, rev).astype(np.float32)


def read_motif_file(path, tf: str) -> Motif:
    """The matrix for ``tf`` from a JASPAR or MEME file (see :func:`dreamtf.io.motiffile.read_motif_counts`)."""
    from .io.motiffile import read_motif_counts

    matrix_id, counts = read_motif_counts(path, tf)
    return Motif(name=tf, matrix_id=matrix_id, probs=counts_to_probs(counts))


def read_motifs(path) -> list[Motif]:
    """Every motif of a JASPAR or MEME file, named by its id (learned motifs: ``<TF>_learned_<n>``)."""
    from .io.motiffile import read_motif_file_counts

    return [Motif(name=mid, matrix_id=mid, probs=counts_to_probs(c)) for mid, _, c in read_motif_file_counts(path)]


def resolve_motif(tf: str, matrix: str | None = None) -> Motif:
    """The motif configured for ``tf`` (``features.motifs``): a JASPAR/MEME file, a JASPAR id, or the TF's own."""
    from pathlib import Path

    return read_motif_file(matrix, tf) if matrix and Path(matrix).is_file() else load_jaspar(tf, matrix)
