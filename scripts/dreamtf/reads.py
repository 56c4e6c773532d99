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
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .errors import DreamTFError
from .io.bedgraph import iter_bedgraph
from .io.bigwig import BigWigWriter
from .io.cutsites import iter_cut_sites, write_cut_sites
from .io.files import atomic_path, atomic_write_text
from .io.narrowpeak import read_peak_table, write_peak_table

log = logging.getLogger(__name__)

#: MACS3's p-value cutoff: every peak it reports is in the relaxed set
P_VALUE = 0.01
#: -log10 q-value a conservative peak reaches (q < 0.01)
CONSERVATIVE_Q = 2.0
#: the most relaxed peaks kept, by p-value (ENCODE's cap for its relaxed sets)
RELAXED_MAX = 300_000
#: MACS3's smoothing of each cut site: shift and width (bp)
SHIFT, EXTSIZE = -75, 150
#: what made a track from reads, as the report and the records state it
PIPELINE = (
    f"cut sites; MACS3 callpeak --nomodel --shift {SHIFT} --extsize {EXTSIZE} --keep-dup all -p {P_VALUE}; "
    f"bdgcmp -m FE; relaxed: p < {P_VALUE} (at most {RELAXED_MAX:,}); conservative: q < {10**-CONSERVATIVE_Q:g}"
)


def bam_cuts(bam_path, sizes: dict[str, int], out, *, assay: str, min_mapq: int) -> dict:
    """The cut sites of a BAM's kept reads (:func:`dreamtf.io.bam.cut_sites`) into ``out``; returns counts."""
    from .io.bam import close_bam, cut_sites, open_bam

    counts = {"reads": 0, "cuts": 0}
    bam = open_bam(bam_path, sizes)
    try:
        with atomic_write_text(out, level=1) as fh:
            for chrom in sizes:
                pos, n = cut_sites(bam, chrom, assay=assay, min_mapq=min_mapq)
                counts["reads"] += n
                counts["cuts"] += write_cut_sites(fh, chrom, pos[(pos >= 0) & (pos < sizes[chrom])])
    finally:
        close_bam(bam)
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


def bedgraph_to_bigwig(bedgraph, sizes: dict[str, int], out) -> int:
    """A bedGraph's intervals with a value above 0 as a bigWig on ``sizes``; returns the bases covered.

    Read a chunk at a time (:func:`dreamtf.io.bedgraph.iter_bedgraph`), so memory holds one
    chunk. MACS3 writes chromosomes in name order, each sorted by start: the bigWig's header
    takes that order, and a bedGraph in another is one line, not a file a browser misreads.
    """
    order = sorted(sizes)
    rank = {c: i for i, c in enumerate(order)}
    covered, at = 0, (-1, -1)  # the (chromosome rank, end) written last
    with atomic_path(out) as tmp, BigWigWriter(tmp, [(c, sizes[c]) for c in order]) as bw:
        for chrom, start, end, values in iter_bedgraph(bedgraph):
            if chrom not in rank:
                continue
            end = np.minimum(end, sizes[chrom])
            keep = (values > 0) & (end > start)
            start, end, values = start[keep], end[keep], values[keep]
            if not len(start):
                continue
            if (rank[chrom], start[0]) < at or (start[1:] < end[:-1]).any():
                raise DreamTFError(f"{bedgraph}: not sorted by chromosome name and start ({chrom}:{start[0]})")
            bw.bw.addEntries([chrom] * len(start), start.tolist(), ends=end.tolist(), values=values.tolist())
            covered += int((end - start).sum())
            at = (rank[chrom], int(end[-1]))
    return covered


def split_peaks(narrowpeak, sizes: dict[str, int], conservative, relaxed) -> dict:
    """MACS3's peaks as the relaxed set (at most RELAXED_MAX by p-value) and the conservative one (q < 0.01)."""
    table = read_peak_table(narrowpeak)
    table = table[table.chrom.isin(list(sizes))]
    if len(table) > RELAXED_MAX:
        table = table.nlargest(RELAXED_MAX, "p", keep="first")
    order = {c: i for i, c in enumerate(sizes)}
    table = table.assign(_c=table.chrom.map(order)).sort_values(["_c", "start", "end"], kind="stable")
    table["end"] = np.minimum(table.end, table.chrom.map(sizes))
    table["score"] = np.minimum(table.score, 1000)  # narrowPeak's 0-1000, as browsers and bedToBigBed read it
    strong = table[table.q >= CONSERVATIVE_Q]
    write_peak_table(relaxed, table)
    write_peak_table(conservative, strong)
    return {"relaxed_peaks": int(len(table)), "conservative_peaks": int(len(strong))}


def share_in_peaks(cuts, conservative) -> float:
    """The share of cut sites inside the conservative peaks (the fraction of reads in peaks, FRiP)."""
    peaks = read_peak_table(conservative)
    by_chrom = {}
    for chrom, p in peaks.groupby("chrom"):
        order = np.argsort(p.start.to_numpy())
        by_chrom[chrom] = (p.start.to_numpy()[order], np.maximum.accumulate(p.end.to_numpy()[order]))
    inside = total = 0
    for chrom, pos in iter_cut_sites(cuts):
        total += len(pos)
        if chrom in by_chrom:
            starts, ends = by_chrom[chrom]
            i = np.searchsorted(starts, pos, side="right") - 1
            inside += int(((i >= 0) & (pos < ends[np.maximum(i, 0)])).sum())
    return inside / total if total else 0.0


def write_json(path, record: dict) -> None:
    with atomic_write_text(path) as fh:
        json.dump(record, fh, indent=1, sort_keys=True)
