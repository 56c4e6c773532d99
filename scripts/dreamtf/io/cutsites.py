"""Cut-site files: where an enzyme cut, one 1 bp BED interval a cut (chrom, pos, pos + 1).

The reads pipeline (:mod:`dreamtf.reads`) writes them from a BAM or a fragments file and
gives them to MACS3, which reads BED; plain or gzipped, in any order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pandas as pd

#: cut sites read at once: bounds memory whatever the depth
CHUNK = 2_000_000


def write_cut_sites(fh, chrom: str | np.ndarray, pos: np.ndarray) -> int:
    """Append cut sites to an open text sink: one chromosome, or one per position; returns the count."""
    if len(pos):
        pd.DataFrame({"c": chrom, "s": pos, "e": pos + 1}).to_csv(fh, sep="\t", header=False, index=False)
    return len(pos)


def iter_cut_sites(path: str | os.PathLike, chunk: int = CHUNK) -> Iterator[tuple[str, np.ndarray]]:
    """``(chrom, positions)`` of a cut-site file, ``chunk`` lines at a time, a chromosome's run at a time."""
    for table in pd.read_csv(
        path, sep="\t", header=None, usecols=[0, 1], names=["c", "s"], dtype={"c": str, "s": np.int64}, chunksize=chunk
    ):
        for chrom, part in table.groupby("c", sort=False):
            yield chrom, part.s.to_numpy()
