"""Per-chromosome arrays in one flat, memory-mapped file plus a JSON index.

The genome's base codes and each cell's DNase track are stored this way: decoded once,
then read by any number of jobs at memory speed, touching only the pages they need.
The index is ``{"dtype": ..., "chroms": {chrom: [offset, length]}}`` (offsets in elements).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import DreamTFError
from .files import atomic_path, atomic_write_text


def write_chrom_arrays(
    data_path: str | os.PathLike,
    index_path: str | os.PathLike,
    items: Iterable[tuple[str, Iterable[np.ndarray]]],
    dtype,
) -> dict[str, list[int]]:
    """Write ``(chrom, chunks)`` items, each chromosome's array given as consecutive chunks, atomically.

    Returns the index ``{chrom: [offset, length]}``. Memory holds one chunk at a time.
    """
    dtype = np.dtype(dtype)
    index: dict[str, list[int]] = {}
    offset = 0
    with atomic_path(data_path) as tmp, open(tmp, "wb") as fh:
        for name, chunks in items:
            if name in index:
                raise DreamTFError(f"{data_path}: chromosome {name!r} written twice")
            n = 0
            for chunk in chunks:
                fh.write(np.ascontiguousarray(chunk, dtype=dtype).tobytes())
                n += len(chunk)
            index[name] = [offset, n]
            offset += n
    if not index:
        raise DreamTFError(f"{data_path}: no chromosome to write")
    with atomic_write_text(index_path) as fh:
        json.dump({"dtype": dtype.str, "chroms": index}, fh)
    return index


class ChromArrays:
    """Read access to arrays written by :func:`write_chrom_arrays` (memory-mapped, read-only)."""

    def __init__(self, data_path: str | os.PathLike, index_path: str | os.PathLike):
        self.path = str(data_path)
        try:
            meta = json.loads(Path(index_path).read_text())
            self.index: dict[str, list[int]] = meta["chroms"]
            self.dtype = np.dtype(meta["dtype"])
            self._mm = np.memmap(data_path, dtype=self.dtype, mode="r")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DreamTFError(f"{data_path}: cannot open the memory-mapped cache ({exc})") from None
        end = max((off + n for off, n in self.index.values()), default=0)
        if end != len(self._mm):
            raise DreamTFError(f"{data_path}: {len(self._mm)} values but its index {index_path} describes {end}")

    def chrom(self, name: str) -> np.ndarray:
        if name not in self.index:
            shown = ", ".join(list(self.index)[:4])
            raise DreamTFError(
                f"{self.path}: no chromosome {name!r} (it has {shown}, ...); chromosome names must agree"
            )
        off, n = self.index[name]
        return self._mm[off : off + n]

    def sizes(self) -> dict[str, int]:
        return {c: n for c, (_, n) in self.index.items()}
