"""bigWig signal tracks (DNase-seq or ATAC-seq fold change), read through pyBigWig.

Values come back as float32 with 0 where the track has no data; positions are 0-based,
half-open, like BED.
"""

from __future__ import annotations

import logging
import math
import os

import numpy as np

from ..errors import DreamTFError

log = logging.getLogger(__name__)


#: the first four bytes of a bigWig (its magic number, either byte order) and of a bigBed
BIGWIG_MAGIC = (b"\x26\xfc\x8f\x88", b"\x88\x8f\xfc\x26")
BIGBED_MAGIC = (b"\xeb\xf2\x89\x87", b"\x87\x89\xf2\xeb")


def open_bigwig(path: str | os.PathLike):
    """Open a bigWig for reading, with a clear error for anything else.

    The magic number is checked first, so a file of another kind is named as such
    without pyBigWig's own messages on stderr.
    """
    import pyBigWig

    if not os.path.isfile(path):
        raise DreamTFError(f"{path}: bigWig file not found")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic not in BIGWIG_MAGIC:
        kind = "a bigBed file" if magic in BIGBED_MAGIC else "not a bigWig file"
        raise DreamTFError(f"{path}: {kind} (no bigWig signature in its first bytes); expected a bigWig signal track")
    try:
        bw = pyBigWig.open(str(path))
    except RuntimeError:
        bw = None
    if bw is None or not bw.isBigWig():
        raise DreamTFError(f"{path}: not a readable bigWig file (a damaged or truncated one?)")
    return bw


def bigwig_chroms(path: str | os.PathLike) -> dict[str, int]:
    """``{chrom: length}`` of a bigWig's header."""
    bw = open_bigwig(path)
    try:
        return dict(bw.chroms())
    finally:
        bw.close()


def _check_chrom(bw, chrom: str, path) -> int:
    sizes = bw.chroms()
    if chrom not in sizes:
        shown = ", ".join(list(sizes)[:4])
        raise DreamTFError(f"{path}: no chromosome {chrom!r} (it has {shown}, ...); chromosome names must agree")
    return sizes[chrom]


def _bad_value(path, chrom: str, pos: int, value: float) -> DreamTFError:
    return DreamTFError(
        f"{path}: value {value} at {chrom}:{pos}; expected a finite signal >= 0 (fold change or coverage)"
    )


def read_values(bw, chrom: str, start: int, end: int, path: str | os.PathLike = "bigWig") -> np.ndarray:
    """Values of ``[start, end)`` as float32: 0 where the track has no data or the range leaves the chromosome.

    A negative or infinite value is an error naming the file and position.
    """
    length = _check_chrom(bw, chrom, path)
    out = np.zeros(end - start, dtype=np.float32)
    a, b = max(0, start), min(length, end)
    if b > a:
        v = np.nan_to_num(bw.values(chrom, a, b, numpy=True), nan=0.0, posinf=np.inf, neginf=-np.inf)
        bad = ~(np.isfinite(v) & (v >= 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _bad_value(path, chrom, a + i, v[i])
        out[a - start : b - start] = v
    return out


def check_track(path: str | os.PathLike, chroms: list[str]) -> dict[str, int]:
    """Check a signal bigWig from its summaries: values finite and >= 0 on ``chroms``; returns its sizes.

    A chromosome of ``chroms`` without any signal is suspicious (a failed or filtered
    track, a file of another assay) and logged as a warning naming the file.
    """
    bw = open_bigwig(path)
    try:
        sizes = dict(bw.chroms())
        for chrom in chroms:
            if chrom not in sizes:
                continue
            lo, hi = bw.stats(chrom, type="min")[0], bw.stats(chrom, type="max")[0]
            if hi is None or hi == 0:
                log.warning("%s: no signal on %s", path, chrom)
                continue
            for v in (lo, hi):
                if not (math.isfinite(v) and v >= 0):
                    iv = next(x for x in bw.intervals(chrom) if not (math.isfinite(x[2]) and x[2] >= 0))
                    raise _bad_value(path, chrom, iv[0], iv[2])
        return sizes
    finally:
        bw.close()


def max_signal(path: str | os.PathLike, chroms: list[str]) -> float:
    """The largest value of a signal bigWig over ``chroms`` (0 when it has none there)."""
    bw = open_bigwig(path)
    try:
        sizes = dict(bw.chroms())
        highs = [bw.stats(c, type="max")[0] for c in chroms if c in sizes]
        return max([h for h in highs if h is not None], default=0.0)
    finally:
        bw.close()


def chrom_values(bw, chrom: str, path: str | os.PathLike = "bigWig") -> np.ndarray:
    """Per-base values of one whole chromosome (float32, 0 where the track has no data)."""
    return read_values(bw, chrom, 0, _check_chrom(bw, chrom, path), path)


class _Handle:
    """An open pyBigWig handle ``self.bw``, closed by ``close()`` or at the end of a ``with`` block."""

    def close(self) -> None:
        self.bw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class BigWigTrack(_Handle):
    """One open bigWig with its path, for reading many intervals."""

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self.bw = open_bigwig(path)
        self.sizes = dict(self.bw.chroms())

    def values(self, chrom: str, start: int, end: int) -> np.ndarray:
        return read_values(self.bw, chrom, start, end, self.path)


class BigWigWriter(_Handle):
    """Write a bigWig: the header from ``chrom_sizes`` (in that order), then entries chromosome by chromosome.

    ``max_zooms`` bounds the zoom levels: libBigWig builds them in memory when the file
    closes, each summarising 4 times more than the one before, and keeps those that take
    fewer blocks than the level before. With 0 there are none, which IGV cannot draw.
    """

    def __init__(self, path: str | os.PathLike, chrom_sizes: list[tuple[str, int]], max_zooms: int = 10):
        import pyBigWig

        self.path = path
        self.bw = pyBigWig.open(str(path), "w")
        if self.bw is None:
            raise DreamTFError(f"{path}: cannot open for writing")
        self.bw.addHeader(list(chrom_sizes), maxZooms=max_zooms)

    def add(self, chrom: str, starts: np.ndarray, values: np.ndarray, span: int) -> None:
        """Fixed-span entries: ``values[i]`` over ``[starts[i], starts[i] + span)``; starts ascending."""
        if len(starts):
            self.bw.addEntries(
                chrom, np.asarray(starts, dtype=np.int64), values=np.asarray(values, dtype=np.float64), span=span
            )


def write_track_cache(
    bigwig: str | os.PathLike,
    data_path: str | os.PathLike,
    index_path: str | os.PathLike,
    chroms: list[str],
    *,
    transform=None,
    dtype=np.float16,
    chunk: int = 10_000_000,
) -> dict[str, list[int]]:
    """Decode every base of ``chroms`` from a bigWig once into a memory-mapped cache (:mod:`dreamtf.io.memmap`).

    Values are read (and checked) ``chunk`` bp at a time, passed through ``transform``
    (for example ``np.log1p``) and stored as ``dtype``; memory holds one chunk.
    """
    from .memmap import write_chrom_arrays

    with BigWigTrack(bigwig) as track:
        for c in chroms:
            _check_chrom(track.bw, c, bigwig)

        def chunks(chrom):
            n = track.sizes[chrom]
            for a in range(0, n, chunk):
                v = track.values(chrom, a, min(n, a + chunk))
                yield transform(v) if transform is not None else v

        return write_chrom_arrays(data_path, index_path, ((c, chunks(c)) for c in chroms), dtype)
