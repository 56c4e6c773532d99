"""A release on a second, shifted build: the same genome with a stretch of sequence added at the
start of every chromosome, and every file of the release moved to match.

It is how the tests check that models trained on one build predict on another: a window at
``start`` on the first build is the window at ``start + shift`` on the second, with the same
sequence and the same signal around it, so its predictions must agree except near the
chromosome ends, where the stretch gives features a flank the first build did not have. A
shift that is a multiple of the window step keeps the two grids aligned.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np

from .errors import DreamTFError
from .io.bed import shift_columns
from .io.bigwig import BigWigWriter, open_bigwig
from .io.fasta import fasta_writer, iter_fasta, to_codes, write_fasta_record

log = logging.getLogger(__name__)

#: 0-based coordinate columns of each kind of file, by how its name ends
_COLUMNS = {
    ".narrowPeak.gz": (1, 2),
    ".bed.gz": (1, 2),
    ".labels.tsv.gz": (1, 2),
    ".gtf.gz": (3, 4),
    "chrom.sizes": (1,),  # the lengths
}


def shift_bigwig(src: str | os.PathLike, dst: str | os.PathLike, shift: int) -> None:
    """A bigWig's intervals ``shift`` bp later on chromosomes ``shift`` bp longer."""
    bw = open_bigwig(src)
    try:
        sizes = dict(bw.chroms())
        with BigWigWriter(dst, [(c, n + shift) for c, n in sizes.items()]) as out:
            for chrom in sizes:
                rows = bw.intervals(chrom) or ()
                if rows:
                    starts = np.fromiter((r[0] for r in rows), np.int64, len(rows)) + shift
                    ends = np.fromiter((r[1] for r in rows), np.int64, len(rows)) + shift
                    values = np.fromiter((r[2] for r in rows), np.float64, len(rows))
                    out.bw.addEntries([chrom] * len(rows), starts.tolist(), ends=ends.tolist(), values=values.tolist())
    finally:
        bw.close()


def write_shifted_build(release: str | os.PathLike, out: str | os.PathLike, shift: int, *, seed: int = 0) -> dict:
    """Write ``release`` (a release folder, section 2's layout) to ``out`` on a build whose
    chromosomes each start with ``shift`` bp of random sequence (from ``seed``).

    FASTA records get the stretch in front; bigWigs, narrowPeaks, BED files (blacklist,
    region files), label tables and the GTF are moved by ``shift``, chromosome sizes grow
    by it; RNA-seq tables and anything else are copied (the manifest is left out: its md5s
    are the first build's). Returns ``{"shift", "files"}``.
    """
    if shift < 0:
        raise DreamTFError(f"shift {shift}: expected a stretch of 0 bp or more")
    release, out = Path(release), Path(out)
    rng = np.random.default_rng(seed)
    files = 0
    for src in sorted(p for p in release.rglob("*") if p.is_file()):
        rel = src.relative_to(release)
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        name = src.name
        if name.endswith((".fa.gz", ".fasta.gz", ".fa", ".fasta")):
            with fasta_writer(dst) as fh:
                for chrom, seq in iter_fasta(src):
                    stretch = rng.integers(0, 4, shift).astype(np.uint8)
                    write_fasta_record(fh, chrom, np.concatenate([stretch, to_codes(seq)]))
        elif name.lower().endswith((".bigwig", ".bw")):
            shift_bigwig(src, dst, shift)
        elif any(name.endswith(k) for k in _COLUMNS):
            shift_columns(src, dst, shift, next(v for k, v in _COLUMNS.items() if name.endswith(k)))
        elif name == "manifest.tsv":
            continue  # its sizes and md5s are the first build's
        else:
            shutil.copyfile(src, dst)
        files += 1
    log.info("%s: %d files of %s on a build shifted by %d bp", out, files, release, shift)
    return {"shift": shift, "files": files}
