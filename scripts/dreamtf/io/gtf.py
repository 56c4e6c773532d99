"""GENCODE GTF: genes' transcription start sites and names (1-based GTF coordinates in, 0-based out)."""

from __future__ import annotations

import logging
import os

import numpy as np

from ..errors import DreamTFError
from .files import open_text

log = logging.getLogger(__name__)

GTF = "a GENCODE GTF file (9 tab-separated columns)"


def read_gene_tss(gtf: str | os.PathLike) -> dict[str, tuple[np.ndarray, list[str]]]:
    """TSS (0-based) and gene ids (version dropped) of every ``gene`` line, per chromosome."""
    rows: dict[str, list] = {}
    with open_text(gtf, GTF) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) < 9:
                raise DreamTFError(f"{gtf}, line {lineno}: {len(f)} tab-separated columns; expected {GTF}")
            if f[2] != "gene":
                continue
            try:
                gid = f[8].split('gene_id "', 1)[1].split('"', 1)[0].split(".")[0]
                tss = int(f[3]) - 1 if f[6] == "+" else int(f[4]) - 1
            except (IndexError, ValueError):
                raise DreamTFError(f"{gtf}, line {lineno}: gene without gene_id or coordinates") from None
            rows.setdefault(f[0], []).append((tss, gid))
    if not rows:
        raise DreamTFError(f"{gtf}: no 'gene' lines (expected a GENCODE GTF)")
    return {c: (np.array([t for t, _ in r], dtype=np.int64), [g for _, g in r]) for c, r in rows.items()}


def gene_id_of(gtf: str | os.PathLike, name: str) -> str | None:
    """The gene id (version dropped) of the first gene named ``name`` (``gene_name``); None when absent."""
    with open_text(gtf, GTF) as fh:
        for lineno, line in enumerate(fh, 1):
            if f'gene_name "{name}";' in line and "\tgene\t" in line:
                if 'gene_id "' not in line:
                    raise DreamTFError(f"{gtf}, line {lineno}: gene {name} without a gene_id; expected {GTF}")
                return line.split('gene_id "', 1)[1].split('"', 1)[0].split(".")[0]
    log.warning("%s: no gene named %s", gtf, name)
    return None
