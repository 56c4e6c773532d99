"""GENCODE GTF: genes' transcription start sites and names (1-based GTF coordinates in, 0-based out)."""

from __future__ import annotations

import logging
import os

import numpy as np

from ..errors import DreamTFError
from .files import open_text
from .rnaseq import gene_key

log = logging.getLogger(__name__)

GTF = "a GENCODE GTF file (9 tab-separated columns)"


def read_genes(gtf: str | os.PathLike) -> dict[str, tuple[np.ndarray, dict[str, list[str]]]]:
    """Per chromosome, every ``gene`` line's TSS (0-based) and its ``gene_id`` (version dropped) and ``gene_name``."""
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
                gid = gene_key(f[8].split('gene_id "', 1)[1].split('"', 1)[0])
                tss = int(f[3]) - 1 if f[6] == "+" else int(f[4]) - 1
            except (IndexError, ValueError):
                raise DreamTFError(f"{gtf}, line {lineno}: gene without gene_id or coordinates") from None
            name = f[8].split('gene_name "', 1)[1].split('"', 1)[0] if 'gene_name "' in f[8] else ""
            rows.setdefault(f[0], []).append((tss, gid, name))
    if not rows:
        raise DreamTFError(f"{gtf}: no 'gene' lines (expected a GENCODE GTF)")
    return {
        c: (
            np.array([t for t, _, _ in r], dtype=np.int64),
            {"gene_id": [g for _, g, _ in r], "gene_name": [n for *_, n in r]},
        )
        for c, r in rows.items()
    }


def read_gene_tss(gtf: str | os.PathLike) -> dict[str, tuple[np.ndarray, list[str]]]:
    """TSS (0-based) and gene ids (version dropped) of every ``gene`` line, per chromosome."""
    return {c: (tss, keys["gene_id"]) for c, (tss, keys) in read_genes(gtf).items()}


def matching_key(genes: dict, table: set[str], gtf, what: str) -> str:
    """``gene_id`` or ``gene_name``: the field of ``genes`` (:func:`read_genes`) that names more of ``table``.

    Tables quantified against another annotation (another build's GENCODE release, a
    pipeline that reports names) still meet the run's GTF through one of the two; when
    neither names any gene of the table, that is one line naming both files.
    """
    found = {key: len({g for _, keys in genes.values() for g in keys[key]} & table) for key in ("gene_id", "gene_name")}
    best = max(found, key=found.get)
    if not found[best]:
        some = ", ".join(sorted(table)[:2])
        raise DreamTFError(
            f"{what}: none of its genes ({some}, ...) is a gene_id or gene_name of {gtf}; "
            "quantify the RNA-seq against this genome's annotation"
        )
    if best == "gene_name":
        log.info("%s: genes matched to %s by name (%d of %d)", what, gtf, found[best], len(table))
    return best


def gene_id_of(gtf: str | os.PathLike, name: str) -> str | None:
    """The gene id (version dropped) of the first gene named ``name`` (``gene_name``); None when absent."""
    with open_text(gtf, GTF) as fh:
        for lineno, line in enumerate(fh, 1):
            if f'gene_name "{name}";' in line and "\tgene\t" in line:
                if 'gene_id "' not in line:
                    raise DreamTFError(f"{gtf}, line {lineno}: gene {name} without a gene_id; expected {GTF}")
                return gene_key(line.split('gene_id "', 1)[1].split('"', 1)[0])
    log.warning("%s: no gene named %s", gtf, name)
    return None
