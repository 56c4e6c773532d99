"""Score records: one JSON object per scored run (or calibration, or peak check), and the tables that gather them."""

from __future__ import annotations

import json
import os

import pandas as pd

from ..errors import DreamTFError
from .files import atomic_write_text, open_text


def write_score_record(path: str | os.PathLike, row: dict) -> None:
    """One scored run as a JSON object, atomically."""
    with atomic_write_text(path) as fh:
        json.dump(row, fh, indent=1)


def read_score_record(path: str | os.PathLike, required: list[str]) -> dict:
    """A score record, checked to hold every key of ``required``."""
    with open_text(path, "a JSON score record") as fh:
        try:
            row = json.load(fh)
        except json.JSONDecodeError as exc:
            raise DreamTFError(f"{path}: not a JSON score record ({exc})") from None
    if not isinstance(row, dict):
        raise DreamTFError(f"{path}: a JSON {type(row).__name__}, expected a score record (a JSON object)")
    missing = [c for c in required if c not in row]
    if missing:
        raise DreamTFError(f"{path}: score record lacks {missing[0]!r}")
    return row


def write_scores_table(path: str | os.PathLike, df: pd.DataFrame) -> None:
    """``scores.tsv``: tab-separated, a header, six decimals, atomically."""
    with atomic_write_text(path) as fh:
        df.to_csv(fh, sep="\t", index=False, float_format="%.6f", lineterminator="\n")


def read_scores_table(path: str | os.PathLike, required: list[str]) -> pd.DataFrame:
    """``scores.tsv`` as a DataFrame, checked to have every column of ``required``."""
    with open_text(path, "a dreamtf scores.tsv") as fh:
        try:
            df = pd.read_csv(fh, sep="\t")
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DreamTFError(f"{path}: {_first_line(exc)}; expected a dreamtf scores.tsv") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DreamTFError(f"{path}: no column {missing[0]!r} (expected a dreamtf scores.tsv)")
    return df


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
