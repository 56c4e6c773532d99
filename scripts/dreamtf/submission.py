"""Submission files (``chr start stop score``, no header) and scoring them against labels."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import metrics
from .errors import DreamTFError
from .io import iter_batches, read_csv_stream, string_column, write_tsv_batches
from .labels import read_labels

log = logging.getLogger(__name__)

DEFAULT_SCORE_CHROMS = ("chr1", "chr8", "chr21")


@dataclass
class Predictions:
    """Window scores in file order; ``chrom`` indexes ``chroms``."""

    chroms: list[str]
    chrom: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    score: np.ndarray


def read_predictions(path: str | os.PathLike, *, chroms: list[str] | None = None) -> Predictions:
    """Read a submission file, keeping rows of ``chroms`` (all when None).

    Raises DreamTFError naming the file and line for a row that is not
    ``chrom<TAB>start<TAB>stop<TAB>score`` with a finite score.
    """
    dict_t = pa.dictionary(pa.int32(), pa.string())
    types = {"chr": dict_t, "start": pa.int64(), "stop": pa.int64(), "score": pa.float64()}
    reader = read_csv_stream(path, column_names=list(types), column_types=types)
    want = None if chroms is None else set(chroms)
    names: list[str] = []
    name_idx: dict[str, int] = {}
    parts: list[tuple[np.ndarray, ...]] = []
    row0 = 0
    for batch in iter_batches(reader, path):
        if batch.num_columns != 4:
            raise DreamTFError(f"{path}: expected 4 columns (chr, start, stop, score), got {batch.num_columns}")
        col = batch.column("chr")
        local = col.dictionary.to_pylist()
        for c in local:
            if c not in name_idx:
                name_idx[c] = len(names)
                names.append(c)
        remap = np.array([name_idx[c] for c in local] or [0], dtype=np.int32)
        cidx = remap[col.indices.to_numpy()]
        start = batch.column("start").to_numpy()
        stop = batch.column("stop").to_numpy()
        sc = batch.column("score").to_numpy()
        bad = np.flatnonzero(~np.isfinite(sc) | (stop <= start))
        if len(bad):
            i = bad[0]
            what = "score is not a finite number" if not np.isfinite(sc[i]) else "stop is not after start"
            raise DreamTFError(f"{path}, line {row0 + i + 1}: {what}")
        if want is not None:
            keep = np.array([c in want for c in names], dtype=bool)[cidx]
            cidx, start, stop, sc = cidx[keep], start[keep], stop[keep], sc[keep]
        parts.append((cidx, start, stop, sc))
        row0 += batch.num_rows
    if row0 == 0:
        raise DreamTFError(f"{path}: empty predictions file")
    cat = [np.concatenate([p[i] for p in parts]) for i in range(4)]
    return Predictions(names, *cat)


def align(
    label_chroms, label_chrom, label_start, pred: Predictions, pred_path, labels_path, size: int = 200
) -> np.ndarray:
    """Scores of ``pred`` in the order of the labelled windows (matched by chrom and start).

    Fails naming the first labelled window without a prediction, or a window predicted twice.
    """
    # map both chromosome vocabularies onto one
    vocab = {c: i for i, c in enumerate(label_chroms)}
    for c in pred.chroms:
        vocab.setdefault(c, len(vocab))
    p_map = np.array([vocab[c] for c in pred.chroms] or [0], dtype=np.int64)
    pkey = (p_map[pred.chrom] << 32) | pred.start
    lkey = (label_chrom.astype(np.int64) << 32) | label_start
    if len(pkey) == len(lkey) and np.array_equal(pkey, lkey):
        return pred.score  # the submission is in label order already
    order = np.argsort(pkey, kind="stable")
    sk = pkey[order]
    dup = np.flatnonzero(sk[1:] == sk[:-1])
    if len(dup):
        k = sk[dup[0]]
        raise DreamTFError(
            f"{pred_path}: window {pred.chroms[int(pred.chrom[order[dup[0]]])]}:{k & 0xFFFFFFFF} is predicted twice"
        )
    pos = np.searchsorted(sk, lkey)
    pos_c = np.minimum(pos, len(sk) - 1)
    found = sk[pos_c] == lkey
    if not found.all():
        i = int(np.flatnonzero(~found)[0])
        chrom = label_chroms[int(label_chrom[i])]
        raise DreamTFError(
            f"{pred_path}: no prediction for window {chrom}:{label_start[i]}-{label_start[i] + size} "
            f"(labelled in {labels_path})"
        )
    return pred.score[order[pos_c]]


def score_files(
    labels_path: str | os.PathLike,
    cell: str,
    predictions_path: str | os.PathLike,
    *,
    chroms: list[str] | tuple[str, ...] = DEFAULT_SCORE_CHROMS,
    bootstrap: int = 10,
) -> dict:
    """Score a submission file against one cell's column of a label TSV (DESIGN section 7)."""
    chroms = list(chroms)
    lab = read_labels(labels_path, cells=[cell], chroms=chroms)
    if len(lab) == 0:
        raise DreamTFError(f"{labels_path}: no labelled windows on {', '.join(chroms)}")
    pred = read_predictions(predictions_path, chroms=chroms)
    scores = align(lab.chroms, lab.chrom, lab.start, pred, predictions_path, labels_path, lab.size)
    return metrics.score(lab.column(cell), scores, bootstrap=bootstrap)


def check_matches_regions(pred: Predictions, region_chroms, region_chrom, region_start, path, region_path) -> None:
    """Raise unless ``pred`` has exactly the region file's rows in the region file's order."""
    vocab = {c: i for i, c in enumerate(region_chroms)}
    names = [vocab.get(c, -1) for c in pred.chroms]
    p = np.array(names or [0], dtype=np.int64)[pred.chrom]
    n = min(len(p), len(region_start))
    bad = np.flatnonzero((p[:n] != region_chrom[:n]) | (pred.start[:n] != region_start[:n]))
    if len(bad):
        i = int(bad[0])
        raise DreamTFError(
            f"{path}, line {i + 1}: row does not match line {i + 1} of {region_path} "
            f"({region_chroms[int(region_chrom[i])]}:{region_start[i]})"
        )
    if len(p) != len(region_start):
        raise DreamTFError(f"{path}: {len(p)} rows but {region_path} has {len(region_start)} windows")


def write_predictions(
    path: str | os.PathLike, per_chrom: Iterator[tuple[str, np.ndarray, np.ndarray]], *, size: int = 200
) -> int:
    """Write a submission file from ``(chrom, starts, scores)`` items, atomically."""

    def batches():
        for chrom, starts, scores in per_chrom:
            yield pa.table(
                {
                    "chr": string_column(chrom, len(starts)),
                    "start": pa.array(starts),
                    "stop": pa.array(starts + size),
                    "score": pa.array(np.round(scores.astype(np.float64), 6)),
                }
            )

    return write_tsv_batches(path, batches(), header=False)
