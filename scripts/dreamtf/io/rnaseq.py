"""RNA-seq gene expression tables (RSEM ``genes.results``: gene_id, ..., TPM, ...)."""

from __future__ import annotations

import math

from ..errors import DreamTFError
from .files import open_text


def read_tpm(paths: list) -> dict[str, float]:
    """Mean TPM per gene id (version dropped) over replicate RSEM tables."""
    if not paths:
        raise DreamTFError("no RNA-seq table given")
    sums: dict[str, float] = {}
    for p in paths:
        seen: set[str] = set()
        with open_text(p) as fh:
            header = fh.readline().rstrip("\n").split("\t")
            if "gene_id" not in header or "TPM" not in header:
                raise DreamTFError(f"{p}, line 1: expected columns gene_id and TPM (RSEM genes.results)")
            gi, ti = header.index("gene_id"), header.index("TPM")
            for lineno, line in enumerate(fh, 2):
                f = line.rstrip("\n").split("\t")
                try:
                    v = float(f[ti])
                    gid = f[gi].split(".")[0]
                except (IndexError, ValueError):
                    raise DreamTFError(f"{p}, line {lineno}: TPM is not a number") from None
                if not math.isfinite(v) or v < 0:
                    raise DreamTFError(f"{p}, line {lineno}: TPM {f[ti]!r}; expected a finite number >= 0")
                if gid in seen:
                    raise DreamTFError(f"{p}, line {lineno}: gene {gid} is listed twice")
                seen.add(gid)
                sums[gid] = sums.get(gid, 0.0) + v
        if not seen:
            raise DreamTFError(f"{p}: no genes after the header")
    return {g: v / len(paths) for g, v in sums.items()}
