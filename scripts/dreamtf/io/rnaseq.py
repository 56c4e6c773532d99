"""RNA-seq gene expression tables (RSEM ``genes.results``: gene_id, ..., TPM, ...)."""

from __future__ import annotations

import logging
import math
import os
import re

from ..errors import DreamTFError
from .files import open_text

log = logging.getLogger(__name__)

RSEM = "an RSEM genes.results table (tab-separated, with gene_id and TPM columns)"


def read_tpm(paths: list) -> dict[str, float]:
    """Mean TPM per gene id (version dropped) over one cell's replicate RSEM tables.

    Each gene's mean is over the replicates that list it. Replicates normally list the
    same genes; when one lacks genes another has, counting the gene as TPM 0 there
    would halve a real expression value (the TF's own included), so such a gene is
    averaged over the tables that report it and one warning per replicate names the
    file and how many genes it lacks.

    Parameters
    ----------
    paths : list of path-like
        The replicate tables (plain or gzipped), at least one.

    Returns
    -------
    dict mapping gene id to mean TPM.
    """
    if not paths:
        raise DreamTFError("no RNA-seq table given")
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    per_file = []
    for p in paths:
        genes = _read_table(p)
        per_file.append((p, genes))
        for gid, v in genes.items():
            sums[gid] = sums.get(gid, 0.0) + v
            counts[gid] = counts.get(gid, 0) + 1
    if len(paths) > 1:
        for p, genes in per_file:
            lacking = len(sums) - len(genes)
            if lacking:
                log.warning(
                    "%s: lacks %d of the %d genes its replicates list; their mean TPM is over the replicates "
                    "that list them",
                    p,
                    lacking,
                    len(sums),
                )
    return {g: v / counts[g] for g, v in sums.items()}


#: an Ensembl gene or transcript id with its version (ENSG00000141510.11): the version is dropped
ENSEMBL_VERSIONED = re.compile(r"^(ENS[A-Z]*[GT]\d+)\.\d+(_PAR_Y)?$")


def gene_key(gene: str) -> str:
    """A gene as tables and GTFs are joined on: an Ensembl id without its version, any other name as it is.

    Names may hold dots (RP11-34P13.3, AC000061.1): only an Ensembl id loses what follows its dot.
    """
    m = ENSEMBL_VERSIONED.match(gene)
    return m.group(1) + (m.group(2) or "") if m else gene


def _read_table(p: str | os.PathLike) -> dict[str, float]:
    """``{gene id: TPM}`` of one RSEM table, checked line by line."""
    genes: dict[str, float] = {}
    with open_text(p, RSEM) as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
        if "gene_id" not in header or "TPM" not in header:
            raise DreamTFError(f"{p}, line 1: no gene_id and TPM columns in the header; expected {RSEM}")
        gi, ti = header.index("gene_id"), header.index("TPM")
        for lineno, line in enumerate(fh, 2):
            f = line.rstrip("\r\n").split("\t")
            if len(f) <= max(gi, ti):
                raise DreamTFError(f"{p}, line {lineno}: {len(f)} tab-separated columns, too few for gene_id and TPM")
            try:
                v = float(f[ti])
            except ValueError:
                raise DreamTFError(f"{p}, line {lineno}: TPM {f[ti][:40]!r} is not a number") from None
            gid = gene_key(f[gi])
            if not math.isfinite(v) or v < 0:
                raise DreamTFError(f"{p}, line {lineno}: TPM {f[ti]!r}; expected a finite number >= 0")
            if gid in genes:
                raise DreamTFError(f"{p}, line {lineno}: gene {gid} is listed twice")
            genes[gid] = v
    if not genes:
        raise DreamTFError(f"{p}: no genes after the header")
    return genes
