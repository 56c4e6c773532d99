"""BAM files of aligned DNase-seq or ATAC-seq reads, through pysam: checks, cut sites, writing.

A cell given as reads is read here as the positions where the enzyme cut: each kept read's
5' end, moved +4 bp on the forward strand and -5 bp on the reverse one for ATAC-seq (the
Tn5 shift, which centres the 9 bp duplication Tn5 makes), as ENCODE's ATAC-seq pipeline does.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DreamTFError

#: reads that are not primary alignments of a pass-filter read, or are marked duplicates
DROP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800
#: the Tn5 shift of ATAC-seq cut sites: forward strand, reverse strand
TN5_SHIFT = (4, -5)


def open_bam(path: str | os.PathLike, sizes: dict[str, int]):
    """Open a coordinate-sorted, indexed BAM on the genome of ``sizes``, or say in one line why not.

    Contigs the genome does not have (chrM, unplaced contigs, decoys) are allowed and not read;
    a chromosome both have must have one length in both, else the BAM is of another build.
    """
    import pysam

    p = Path(path)
    if not p.is_file():
        raise DreamTFError(f"{p}: BAM file not found")
    pysam.set_verbosity(0)  # htslib's own lines on a damaged file: the error below names it, once
    try:
        bam = pysam.AlignmentFile(str(p), "rb")
    except (ValueError, OSError) as exc:
        raise DreamTFError(f"{p}: not a readable BAM file ({str(exc).strip() or type(exc).__name__})") from None
    try:
        order = bam.header.to_dict().get("HD", {}).get("SO", "unknown")
        if order != "coordinate":
            raise DreamTFError(
                f"{p}: not coordinate-sorted (its header says SO:{order}); sort and index it "
                f"(samtools sort -o sorted.bam {p.name} && samtools index sorted.bam)"
            )
        if not bam.has_index():
            raise DreamTFError(f"{p}: no index beside it (.bai or .csi); make one with samtools index {p.name}")
        lengths = dict(zip(bam.references, bam.lengths))
        shared = [c for c in sizes if c in lengths]
        if not shared:
            theirs = ", ".join(list(lengths)[:3]) or "none"
            ours = ", ".join(list(sizes)[:3])
            raise DreamTFError(
                f"{p}: none of its chromosomes ({theirs}, ...) is the genome's ({ours}, ...); "
                "align to the genome's FASTA, or rename the BAM's chromosomes"
            )
        for c in shared:
            if lengths[c] != sizes[c]:
                raise DreamTFError(
                    f"{p}: {c} is {lengths[c]:,} bp in the BAM but {sizes[c]:,} bp in the genome; "
                    "the reads were aligned to another build"
                )
    except BaseException:
        bam.close()
        raise
    return bam


def close_bam(bam) -> None:
    """Close a BAM opened by :func:`open_bam`; a damaged one may fail to close after its error was named."""
    try:
        bam.close()
    except OSError:
        pass


def cut_sites(bam, chrom: str, *, assay: str, min_mapq: int) -> tuple[np.ndarray, int]:
    """The sorted cut sites on ``chrom`` of the reads kept, and how many reads were read there.

    Kept: primary, pass-filter, mapped reads with MAPQ >= ``min_mapq`` (of a proper pair,
    for paired-end data) that are not marked duplicates. Duplicates are those the BAM marks
    (samtools markdup, Picard MarkDuplicates), not every second read at a position: at the
    summit of a strong site of a deep experiment, distinct fragments share a cut position,
    and dropping them would flatten exactly the peaks the models read.
    """
    if chrom not in bam.references:
        return np.empty(0, dtype=np.int64), 0
    fwd, rev = TN5_SHIFT if assay == "ATAC-seq" else (0, 0)
    pos = []
    n = 0
    try:
        for read in bam.fetch(chrom):
            n += 1
            flag = read.flag
            if flag & DROP_FLAGS or read.mapping_quality < min_mapq or (flag & 0x1 and not flag & 0x2):
                continue
            pos.append(read.reference_end - 1 + rev if flag & 0x10 else read.reference_start + fwd)
    except (OSError, ValueError) as exc:  # a damaged block, an index of another file
        name = bam.filename.decode() if isinstance(bam.filename, bytes) else bam.filename
        raise DreamTFError(f"{name}: unreadable on {chrom} after {n:,} reads ({exc}); a truncated BAM?") from None
    out = np.sort(np.asarray(pos, dtype=np.int64))
    return out, n


def write_bam(path: str | os.PathLike, sizes: dict[str, int], reads) -> None:
    """Write a coordinate-sorted, indexed BAM from ``reads``: (chrom, start, length, reverse, mapq, flag extra).

    ``reads`` come sorted by chromosome (in ``sizes`` order) and start; each is a single-end
    read with a full match, named by its number. Used by the simulator.
    """
    import pysam

    header = {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": c, "LN": n} for c, n in sizes.items()],
        "PG": [{"ID": "dreamtf", "PN": "dreamtf-simulate"}],
    }
    tid = {c: i for i, c in enumerate(sizes)}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, (chrom, start, length, reverse, mapq, extra) in enumerate(reads):
            a = pysam.AlignedSegment(out.header)
            a.query_name = f"r{i}"
            a.flag = (0x10 if reverse else 0) | extra
            a.reference_id = tid[chrom]
            a.reference_start = int(start)
            a.mapping_quality = int(mapq)
            a.cigartuples = [(0, int(length))]
            a.query_sequence = "N" * int(length)
            a.query_qualities = None
            out.write(a)
    pysam.index(str(path))
