"""bedGraph files (chrom, start, end, value; 0-based, half-open), as MACS3 writes them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..errors import DreamTFError

#: lines read at once: a deep experiment's bedGraph has 10^8 of them
CHUNK = 2_000_000


def iter_bedgraph(
    path: str | os.PathLike, chunk: int = CHUNK
) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """``(chrom, starts, ends, values)`` runs of a bedGraph, ``chunk`` lines at a time, in file order."""
    try:
        for table in pd.read_csv(
            path, sep="\t", header=None, names=["chrom", "start", "end", "value"], chunksize=chunk,
            dtype={"chrom": str, "start": np.int64, "end": np.int64, "value": np.float32},
        ):  # fmt: skip
            for chrom, part in table.groupby("chrom", sort=False):
                yield chrom, part.start.to_numpy(), part.end.to_numpy(), part.value.to_numpy()
    except (ValueError, pd.errors.ParserError) as exc:
        raise DreamTFError(f"{path}: not a bedGraph (chrom, start, end, value): {str(exc).splitlines()[0]}") from None
