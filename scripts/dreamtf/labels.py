"""U/A/B window labels derived from ChIP-seq peaks (reading and writing them: :mod:`dreamtf.io.windowtable`).

Label codes: 0 = U (unbound), 1 = A (ambiguous), 2 = B (bound).

Three named rules, each from a cell's conservative (IDR) and relaxed peaks:

``challenge`` (default)
    The organisers' own rule (nboley/DREAM_tfbinding_challenge,
    ``DREAM11/build_region_labels.py``). Conservative peaks are merged, and separately
    the relaxed peaks (overlapping or book-ended intervals merge, as ``bedtools merge``
    does). Per window, ``opt`` counts the merged conservative intervals that overlap it
    by at least half the window or at least half the interval (``bedtools intersect
    -c -f 0.5 -F 0.5 -e``) and ``rel`` the merged relaxed intervals that overlap it at
    all. The label is ``"UBA"[opt]`` where ``opt == rel`` and A elsewhere: so
    ``opt == rel == 1`` is B, ``opt == rel >= 2`` is A, and a window that passes the
    conservative test without touching a relaxed peak is A, not U.
``overlap`` (``min_overlap`` bp, default 1)
    A window overlapping no relaxed peak is U; B when it overlaps a conservative peak
    by at least ``min_overlap`` bp; A otherwise. With 1 bp, a 240 bp conservative peak
    makes 8-9 B windows.
``summit``
    As ``overlap``, but B only when a conservative peak's summit lies inside the window:
    3-4 B windows per peak.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .errors import DreamTFError
from .intervals import merge_intervals
from .io.narrowpeak import Peaks, empty_peaks
from .io.windowtable import ALPHABET, A, B, U
from .windows import count_hits, overlap_ranges

log = logging.getLogger(__name__)

RULES = ("challenge", "overlap", "summit")


def _challenge(starts: np.ndarray, conservative: Peaks, relaxed: Peaks, size: int) -> np.ndarray:
    cons = merge_intervals(conservative.intervals)
    rel = merge_intervals(relaxed.intervals)
    # bedtools -f 0.5 -F 0.5 -e: overlap >= half the window or >= half the interval
    half = np.minimum(-(-size // 2), -(-(cons[:, 1] - cons[:, 0]) // 2))
    opt = count_hits(starts, *overlap_ranges(cons, size, np.maximum(half, 1)))
    n_rel = count_hits(starts, *overlap_ranges(rel, size, 1))
    out = np.full(len(starts), A, dtype=np.uint8)
    same = opt == n_rel
    out[same & (opt == 0)] = U
    out[same & (opt == 1)] = B
    return out


def derive_labels(
    starts: np.ndarray,
    conservative: Peaks,
    relaxed: Peaks,
    *,
    size: int,
    rule: str,
    min_overlap: int = 1,
) -> np.ndarray:
    """Label the windows of one chromosome.

    Parameters
    ----------
    starts : int64 array, shape (n,)
        Sorted window start positions (0-based); every window is ``size`` bp.
    conservative, relaxed : Peaks
        The chromosome's conservative and relaxed peaks.
    rule : {"challenge", "overlap", "summit"}
        The rule (module docstring).

    Returns
    -------
    uint8 array, shape (n,)
        0 = U, 1 = A, 2 = B.
    """
    if rule not in RULES:
        raise DreamTFError(f"unknown label rule {rule!r}; expected one of {', '.join(RULES)}")
    if rule == "challenge":
        return _challenge(starts, conservative, relaxed, size)
    lo, hi = overlap_ranges(relaxed.intervals, size, 1)
    in_relaxed = count_hits(starts, lo, hi) > 0
    if rule == "overlap":
        lo, hi = overlap_ranges(conservative.intervals, size, min_overlap)
    else:
        lo, hi = conservative.summit - size + 1, conservative.summit
    bound = count_hits(starts, lo, hi) > 0
    out = np.zeros(len(starts), dtype=np.uint8)
    out[in_relaxed] = A
    out[in_relaxed & bound] = B
    return out


def label_counts(codes: np.ndarray) -> dict[str, int]:
    """Counts of U, A and B in a code array."""
    counts = np.bincount(codes.ravel(), minlength=3)
    return {k: int(v) for k, v in zip(ALPHABET, counts)}


def label_windows(
    windows: Iterable[tuple[str, np.ndarray]],
    peaks: list[tuple[dict[str, Peaks], dict[str, Peaks]]],
    *,
    size: int,
    rule: str,
    min_overlap: int = 1,
    on_chrom: Callable[[str, np.ndarray], None] | None = None,
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Label every chromosome's windows for several cells: the one per-chromosome loop.

    ``windows`` yields ``(chrom, starts)``; ``peaks`` holds one ``(conservative,
    relaxed)`` pair of ``{chrom: Peaks}`` per cell. Yields ``(chrom, starts, codes)``
    with codes of shape (n, n_cells), ready for :func:`dreamtf.io.windowtable.write_labels`;
    ``on_chrom(chrom, codes)`` sees each chromosome's codes (counts, logs).
    """
    for chrom, starts in windows:
        codes = np.empty((len(starts), len(peaks)), dtype=np.uint8)
        for j, (cons, rel) in enumerate(peaks):
            codes[:, j] = derive_labels(
                starts,
                cons.get(chrom, empty_peaks()),
                rel.get(chrom, empty_peaks()),
                size=size,
                rule=rule,
                min_overlap=min_overlap,
            )
        if on_chrom is not None:
            on_chrom(chrom, codes)
        yield chrom, starts, codes
