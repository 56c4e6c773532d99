"""Cached feature matrices: one zip (``.npz``-like) per feature group and key.

Members ``<chrom>.x.npy`` (float32, n_windows x n_features) and ``<chrom>.starts.npy``
(int64 window starts), plus ``columns.json`` (feature names and chromosome order). Zip
entries carry a fixed time stamp, so identical features give identical bytes.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import DreamTFError
from .archive import zip_member
from .files import atomic_path


def write_feature_file(path: str | os.PathLike, items: Iterator[tuple[str, np.ndarray, np.ndarray, list[str]]]):
    """Write ``(chrom, starts, matrix, columns)`` items into one cache file, atomically.

    Members ``<chrom>.x.npy`` and ``<chrom>.starts.npy``, plus ``columns.json``; each
    chromosome is written as soon as it is computed, so memory holds one at a time.
    """
    columns = None
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            chroms = []
            for chrom, starts, x, cols in items:
                if columns is None:
                    columns = list(cols)
                elif list(cols) != columns:
                    raise DreamTFError(f"{path}: feature columns differ between chromosomes")
                for name, arr in (
                    (f"{chrom}.x.npy", x.astype(np.float32, copy=False)),
                    (f"{chrom}.starts.npy", starts.astype(np.int64, copy=False)),
                ):
                    with zf.open(zip_member(name), "w", force_zip64=True) as fh:
                        np.lib.format.write_array(fh, np.ascontiguousarray(arr), allow_pickle=False)
                chroms.append(chrom)
            zf.writestr(zip_member("columns.json"), json.dumps({"columns": columns or [], "chroms": chroms}))


class FeatureFile:
    """Read access to a feature cache file, one chromosome at a time."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self._zf = zipfile.ZipFile(self.path)
            meta = json.loads(self._zf.read("columns.json"))
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise DreamTFError(f"{self.path}: not a dreamtf feature file ({exc})") from None
        self.columns: list[str] = meta["columns"]
        self.chroms: list[str] = meta["chroms"]

    def load(self, chrom: str) -> tuple[np.ndarray, np.ndarray]:
        """(starts, matrix) of one chromosome."""
        if chrom not in self.chroms:
            raise DreamTFError(f"{self.path}: no features for {chrom} (it has {', '.join(self.chroms)})")
        with self._zf.open(f"{chrom}.starts.npy") as fh:
            starts = np.lib.format.read_array(fh)
        with self._zf.open(f"{chrom}.x.npy") as fh:
            x = np.lib.format.read_array(fh)
        return starts, x

    def close(self) -> None:
        self._zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
