"""Cells given as reads: from a BAM or a fragments file to the signal and peaks every model reads.

Every cell given as reads goes through one pipeline, so that its features mean what they
mean for every other such cell:

1. **Cut sites.** The enzyme's cuts: each kept read's 5' end (Tn5-shifted for ATAC-seq,
   :mod:`dreamtf.io.bam`), or both ends of each fragment of a single-cell cluster
   (:mod:`dreamtf.io.fragments`; 10x fragments are already Tn5-adjusted and de-duplicated).
2. **MACS3** ``callpeak`` on the cut sites, each smoothed to 150 bp around the cut
   (``--nomodel --shift -75 --extsize 150``, as ENCODE's ATAC-seq pipeline), duplicates
   already removed (``--keep-dup all``), at p < :data:`P_VALUE`.
3. **Signal**: ``macs3 bdgcmp -m FE``, the pileup over MACS3's local background (the
   larger of the genome-wide rate and the 10 kb one around the base: without a control
   MACS3 has no 1 kb rate), written as a bigWig. A ratio of the cell's own reads:
   sequencing depth cancels. MACS3's genome size is the genome's length.
4. **Peaks**: the relaxed set is every MACS3 peak at p < 0.01, at most the
   :data:`RELAXED_MAX` most significant (ENCODE's relaxed sets: MACS2 at p 0.01, capped
   at 300,000); the conservative set is those with q < 0.01, which stands in for the
   IDR-thresholded set that needs two replicates.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DreamTFError
from .io.bigwig import BigWigWriter
from .io.files import atomic_path, atomic_write_text

log = logging.getLogger(__name__)

#: MACS3's p-value cutoff: every peak it reports is in the relaxed set
P_VALUE = 0.01
#: -log10 q-value a conservative peak reaches (q < 0.01)
CONSERVATIVE_Q = 2.0
#: the most relaxed peaks kept, by p-value (ENCODE's cap for its relaxed sets)
RELAXED_MAX = 300_000
#: MACS3's smoothing of each cut site: shift and width (bp)
SHIFT, EXTSIZE = -75, 150
#: lines of a bedGraph or a cut-site file read at once: bounds memory whatever the depth
CHUNK = 2_000_000
#: what made a track from reads, as the report and the records state it
PIPELINE = (
    f"cut sites; MACS3 callpeak --nomodel --shift {SHIFT} --extsize {EXTSIZE} --keep-dup all -p {P_VALUE}; "
    f"bdgcmp -m FE; relaxed: p < {P_VALUE} (at most {RELAXED_MAX:,}); conservative: q < {10**-CONSERVATIVE_Q:g}"
)


def write_cuts(path: str | os.PathLike, chunks) -> int:
    """Write cut sites as BED (one 1 bp interval each) from ``(chrom, positions)`` chunks; returns the count."""
    n = 0
    with atomic_write_text(path, level=1) as fh:
        for chrom, pos in chunks:
            if len(pos):
                pd.DataFrame({"c": chrom, "s": pos, "e": pos + 1}).to_csv(fh, sep="\t", header=False, index=False)
                n += len(pos)
    return n


def bam_cuts(bam_path, sizes: dict[str, int], out, *, assay: str, min_mapq: int) -> dict:
    """The cut sites of a BAM's kept reads (:func:`dreamtf.io.bam.cut_sites`) into ``out``; returns counts."""
    from .io.bam import cut_sites, open_bam

    counts = {"reads": 0, "cuts": 0}
    with open_bam(bam_path, sizes) as bam:

        def chunks():
            for chrom in sizes:
                pos, n = cut_sites(bam, chrom, assay=assay, min_mapq=min_mapq)
                counts["reads"] += n
                yield chrom, pos[(pos >= 0) & (pos < sizes[chrom])]

        counts["cuts"] = write_cuts(out, chunks())
    if counts["cuts"] == 0:
        raise DreamTFError(
            f"{bam_path}: no read passed the filters on the genome's chromosomes (primary, not a duplicate, "
            f"MAPQ >= {min_mapq}); expected aligned reads"
        )
    return counts


def macs3_command() -> str:
    """The ``macs3`` beside this Python (a virtual environment need not be on PATH), else on PATH."""
    here = Path(sys.executable).parent / "macs3"
    found = str(here) if here.is_file() else shutil.which("macs3")
    if not found:
        raise DreamTFError("macs3 not found: install it (pip install macs3, or conda install -c bioconda macs3)")
    return found


def _run(args: list[str], log_to) -> None:
    done = subprocess.run(args, stdout=log_to, stderr=subprocess.STDOUT, text=True)
    if done.returncode:
        raise DreamTFError(f"{' '.join(args[:2])} ended with exit {done.returncode}; its log is above")


def call_accessibility(cuts, sizes: dict[str, int], *, signal, conservative, relaxed, log_to=None) -> dict:
    """MACS3 on a cut-site BED: the fold-change bigWig and both peak sets (see the module's text)."""
    macs = macs3_command()
    log_to = log_to or sys.stderr
    genome = sum(sizes.values())
    with tempfile.TemporaryDirectory(prefix="dreamtf-macs3-", dir=Path(signal).parent) as tmp:
        _run(
            [macs, "callpeak", "-t", str(cuts), "-f", "BED", "-n", "cell", "--outdir", tmp,
             "-g", str(genome), "--nomodel", "--shift", str(SHIFT), "--extsize", str(EXTSIZE),
             "--keep-dup", "all", "-B", "-p", str(P_VALUE)],
            log_to,
        )  # fmt: skip
        fe = Path(tmp, "fe.bdg")
        _run(
            [macs, "bdgcmp", "-t", f"{tmp}/cell_treat_pileup.bdg", "-c", f"{tmp}/cell_control_lambda.bdg",
             "-m", "FE", "-o", str(fe)],
            log_to,
        )  # fmt: skip
        covered = bedgraph_to_bigwig(fe, sizes, signal)
        peaks = split_peaks(Path(tmp, "cell_peaks.narrowPeak"), sizes, conservative, relaxed)
    return {"signal_bases": covered, **peaks}


def bedgraph_to_bigwig(bedgraph, sizes: dict[str, int], out, chunk: int = CHUNK) -> int:
    """A bedGraph's intervals with a value above 0 as a bigWig on ``sizes``; returns the bases covered.

    Read ``chunk`` lines at a time (a deep experiment's bedGraph has 10^8 lines), so memory
    holds one chunk. MACS3 writes chromosomes in name order, each sorted by start: the
    bigWig's header takes that order, and a bedGraph in another is one line, not a file
    that a browser would misread.
    """
    order = sorted(sizes)
    rank = {c: i for i, c in enumerate(order)}
    covered, at = 0, (-1, -1)  # the (chromosome rank, end) written last
    with atomic_path(out) as tmp, BigWigWriter(tmp, [(c, sizes[c]) for c in order]) as bw:
        for table in pd.read_csv(
            bedgraph, sep="\t", header=None, names=["chrom", "start", "end", "value"], chunksize=chunk,
            dtype={"chrom": str, "start": np.int64, "end": np.int64, "value": np.float32},
        ):  # fmt: skip
            table = table[(table.value > 0) & table.chrom.isin(rank)]
            for chrom, part in table.groupby("chrom", sort=False):
                start = part.start.to_numpy()
                end = np.minimum(part.end.to_numpy(), sizes[chrom])
                keep = end > start
                start, end, values = start[keep], end[keep], part.value.to_numpy()[keep]
                if not len(start):
                    continue
                if (rank[chrom], start[0]) < at or (len(start) > 1 and (start[1:] < end[:-1]).any()):
                    raise DreamTFError(f"{bedgraph}: not sorted by chromosome name and start ({chrom}:{start[0]})")
                bw.bw.addEntries([chrom] * len(start), start.tolist(), ends=end.tolist(), values=values.tolist())
                covered += int((end - start).sum())
                at = (rank[chrom], int(end[-1]))
    return covered


def split_peaks(narrowpeak, sizes: dict[str, int], conservative, relaxed) -> dict:
    """MACS3's peaks as the relaxed set (at most RELAXED_MAX by p-value) and the conservative one (q < 0.01)."""
    cols = ["chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "summit"]
    table = pd.read_csv(narrowpeak, sep="\t", header=None, names=cols, dtype={"chrom": str})
    table = table[table.chrom.isin(list(sizes))]
    if len(table) > RELAXED_MAX:
        table = table.nlargest(RELAXED_MAX, "p", keep="first")
    order = {c: i for i, c in enumerate(sizes)}
    table = (
        table.assign(_c=table.chrom.map(order)).sort_values(["_c", "start", "end"], kind="stable").drop(columns="_c")
    )
    table["end"] = np.minimum(table.end, table.chrom.map(sizes))
    table["score"] = np.minimum(table.score, 1000)  # narrowPeak's 0-1000, as browsers and bedToBigBed read it
    strong = table[table.q >= CONSERVATIVE_Q]
    for path, part in ((relaxed, table), (conservative, strong)):
        with atomic_write_text(path) as fh:
            part.to_csv(fh, sep="\t", header=False, index=False, float_format="%.5g")
    return {"relaxed_peaks": int(len(table)), "conservative_peaks": int(len(strong))}


def share_in_peaks(cuts, conservative, chunk: int = CHUNK) -> float:
    """The share of cut sites inside the conservative peaks (the fraction of reads in peaks, FRiP)."""
    peaks = pd.read_csv(conservative, sep="\t", header=None, usecols=[0, 1, 2], names=["c", "s", "e"], dtype={"c": str})
    by_chrom = {}
    for chrom, p in peaks.groupby("c"):
        order = np.argsort(p.s.to_numpy())
        by_chrom[chrom] = (p.s.to_numpy()[order], np.maximum.accumulate(p.e.to_numpy()[order]))
    inside = total = 0
    for cut in pd.read_csv(
        cuts, sep="\t", header=None, usecols=[0, 1], names=["c", "s"], dtype={"c": str}, chunksize=chunk
    ):
        total += len(cut)
        for chrom, part in cut.groupby("c", sort=False):
            if chrom not in by_chrom:
                continue
            starts, ends = by_chrom[chrom]
            pos = part.s.to_numpy()
            i = np.searchsorted(starts, pos, side="right") - 1
            inside += int(((i >= 0) & (pos < ends[np.maximum(i, 0)])).sum())
    return inside / total if total else 0.0


def write_json(path, record: dict) -> None:
    with atomic_write_text(path) as fh:
        json.dump(record, fh, indent=1, sort_keys=True)
