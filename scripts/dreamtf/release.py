"""The challenge release layout (DESIGN section 2): writing a simulated one, checking any one.

```
<release>/annotations/<fasta>                       genome FASTA (gzip)
<release>/annotations/{train,ladder,test}_regions.blacklistfiltered.bed.gz
<release>/annotations/gencode.v19.annotation.gtf.gz
<release>/ChIPseq/labels/<TF>.train.labels.tsv.gz
<release>/ChIPseq/peaks/{conservative,relaxed}/ChIPseq.<cell>.<TF>.{conservative.train,relaxed}.narrowPeak.gz
<release>/DNASE/fold_coverage_wiggles/DNASE.<cell>.fc.signal.bigwig
<release>/DNASE/peaks/{conservative,relaxed}/DNASE.<cell>.{conservative,relaxed}.narrowPeak.gz
<release>/RNAseq/gene_expression.<cell>.biorep<N>.tsv
```
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .errors import DreamTFError
from .genome import chrom_sort_key, read_bed3, region_starts
from .io import iter_batches, read_csv_stream, string_column, write_tsv_batches
from .labels import check_label_file

log = logging.getLogger(__name__)

SPLITS = ("train", "ladder", "test")


def fasta_path(release, fasta: str) -> Path:
    return Path(release) / "annotations" / fasta


def regions_path(release, split: str) -> Path:
    return Path(release) / "annotations" / f"{split}_regions.blacklistfiltered.bed.gz"


def gtf_path(release) -> Path:
    return Path(release) / "annotations" / "gencode.v19.annotation.gtf.gz"


def labels_path(release, tf: str, split: str = "train") -> Path:
    return Path(release) / "ChIPseq" / "labels" / f"{tf}.{split}.labels.tsv.gz"


def chip_peaks_path(release, tf: str, cell: str, kind: str) -> Path:
    suffix = {"conservative": "conservative.train", "relaxed": "relaxed"}[kind]
    return Path(release) / "ChIPseq" / "peaks" / kind / f"ChIPseq.{cell}.{tf}.{suffix}.narrowPeak.gz"


def dnase_bigwig_path(release, cell: str) -> Path:
    return Path(release) / "DNASE" / "fold_coverage_wiggles" / f"DNASE.{cell}.fc.signal.bigwig"


def dnase_peaks_path(release, cell: str, kind: str) -> Path:
    return Path(release) / "DNASE" / "peaks" / kind / f"DNASE.{cell}.{kind}.narrowPeak.gz"


def rnaseq_path(release, cell: str, rep: int) -> Path:
    return Path(release) / "RNAseq" / f"gene_expression.{cell}.biorep{rep}.tsv"


def blacklist_path(release) -> Path:
    """Not part of the official release: the simulator's blacklist, for ``dreamtf labels``."""
    return Path(release) / "annotations" / "blacklist.bed.gz"


def chrom_sizes_path(release) -> Path:
    """Not part of the official release: the simulator's chromosome sizes."""
    return Path(release) / "annotations" / "genome.chrom.sizes"


def release_files(release, *, fasta: str, tfs: dict, rnaseq_reps: int = 2) -> list[Path]:
    """Every file of a release for the given TF table (``{tf: {train_cells, test_cells}}``)."""
    cells = cells_of(tfs)
    files = [fasta_path(release, fasta), gtf_path(release)]
    files += [regions_path(release, s) for s in SPLITS]
    for tf, spec in tfs.items():
        files.append(labels_path(release, tf))
        for cell in spec["train_cells"] + spec["test_cells"]:
            files += [chip_peaks_path(release, tf, cell, k) for k in ("conservative", "relaxed")]
    for cell in cells:
        files.append(dnase_bigwig_path(release, cell))
        files += [dnase_peaks_path(release, cell, k) for k in ("conservative", "relaxed")]
        files += [rnaseq_path(release, cell, r) for r in range(1, rnaseq_reps + 1)]
    return files


def cells_of(tfs: dict) -> list[str]:
    """All cell types of a TF table, in order of first mention."""
    seen: dict[str, None] = {}
    for spec in tfs.values():
        for c in spec["train_cells"] + spec["test_cells"]:
            seen.setdefault(c)
    return list(seen)


@dataclass
class Regions:
    """The windows of a region file, in file order."""

    chroms: list[str]
    chrom: np.ndarray
    start: np.ndarray
    size: int

    def __len__(self) -> int:
        return len(self.start)

    def by_chrom(self):
        """Yield ``(chrom, starts)`` per chromosome, in file order (each chromosome must be contiguous)."""
        if len(self.chrom) == 0:
            return
        change = np.flatnonzero(np.diff(self.chrom)) + 1
        bounds = np.concatenate([[0], change, [len(self.chrom)]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            yield self.chroms[int(self.chrom[a])], self.start[a:b]


def read_regions(path, *, chroms: list[str] | None = None) -> Regions:
    """Read a region BED (chr, start, stop; no header), checking it is a sorted, regular grid."""
    dict_t = pa.dictionary(pa.int32(), pa.string())
    types = {"chr": dict_t, "start": pa.int64(), "stop": pa.int64()}
    reader = read_csv_stream(path, column_names=list(types), column_types=types)
    names: list[str] = []
    idx: dict[str, int] = {}
    cparts, sparts = [], []
    size = None
    row0 = 0
    want = None if chroms is None else set(chroms)
    for batch in iter_batches(reader, path):
        if batch.num_columns != 3:
            raise DreamTFError(f"{path}: expected 3 columns (chr, start, stop), got {batch.num_columns}")
        col = batch.column("chr")
        for c in col.dictionary.to_pylist():
            if c not in idx:
                idx[c] = len(names)
                names.append(c)
        remap = np.array([idx[c] for c in col.dictionary.to_pylist()] or [0], dtype=np.int32)
        ci = remap[col.indices.to_numpy()]
        st = batch.column("start").to_numpy()
        w = batch.column("stop").to_numpy() - st
        size = int(w[0]) if size is None and len(w) else size
        bad = np.flatnonzero(w != size)
        if len(bad):
            raise DreamTFError(f"{path}, line {row0 + bad[0] + 1}: window is {w[bad[0]]} bp, expected {size}")
        if want is not None:
            keep = np.array([c in want for c in names])[ci]
            ci, st = ci[keep], st[keep]
        cparts.append(ci)
        sparts.append(st)
        row0 += batch.num_rows
    chrom = np.concatenate(cparts) if cparts else np.empty(0, np.int32)
    start = np.concatenate(sparts) if sparts else np.empty(0, np.int64)
    same = chrom[1:] == chrom[:-1]
    bad = np.flatnonzero(same & (start[1:] <= start[:-1]))
    if len(bad):
        raise DreamTFError(f"{path}: windows are not sorted by start within {names[int(chrom[bad[0]])]}")
    if len(np.unique(chrom)) != int(np.count_nonzero(~same)) + (1 if len(chrom) else 0):
        raise DreamTFError(f"{path}: the windows of a chromosome are not contiguous in the file")
    return Regions(names, chrom, start, size or 0)


def write_regions(path, per_chrom, size: int) -> int:
    """Write a region BED (no header) from ``(chrom, starts)`` items."""

    def batches():
        for chrom, starts in per_chrom:
            yield pa.table(
                {"chr": string_column(chrom, len(starts)), "start": pa.array(starts), "stop": pa.array(starts + size)}
            )

    return write_tsv_batches(path, batches(), header=False)


def grid_regions(sizes: dict[str, int], blacklist_file, chroms: list[str], size: int, step: int):
    """Yield ``(chrom, starts)`` of the official region set computed from sizes and blacklist."""
    bl = read_bed3(blacklist_file) if blacklist_file else {}
    for chrom in chroms:
        if chrom not in sizes:
            raise DreamTFError(f"chromosome {chrom!r} is not in the chromosome sizes")
        yield chrom, region_starts(sizes[chrom], bl.get(chrom), size, step)


def check_release(release, *, fasta: str, tfs: dict, size: int | None = None, out_sizes=None) -> dict[str, int]:
    """Check that a release is complete and names chromosomes consistently.

    Reads chromosome names from the FASTA, every DNase bigWig, the region files and
    the label TSVs, and fails with one line naming the first file that disagrees.
    Returns the FASTA's chromosome sizes (written to ``out_sizes`` when given).
    """
    import pyBigWig

    from .genome import check_same_chroms, fasta_sizes, write_chrom_sizes

    missing = [p for p in release_files(release, fasta=fasta, tfs=tfs, rnaseq_reps=1) if not p.is_file()]
    missing = [p for p in missing if "labels" not in p.parts]  # labels may come from peaks
    if missing:
        raise DreamTFError(f"{missing[0]}: file missing from the release ({len(missing)} missing in all)")
    fa = fasta_path(release, fasta)
    sizes = fasta_sizes(fa)
    for cell in cells_of(tfs):
        bw_path = dnase_bigwig_path(release, cell)
        try:
            bw = pyBigWig.open(str(bw_path))
        except RuntimeError:
            bw = None
        if bw is None or not bw.isBigWig():
            raise DreamTFError(f"{bw_path}: not a readable bigWig file")
        chroms = bw.chroms()
        bw.close()
        check_same_chroms(sizes, fa.name, list(chroms), bw_path.name)
        for c, n in chroms.items():
            if sizes[c] != n:
                raise DreamTFError(f"{bw_path.name}: {c} is {n} bp long but {sizes[c]} bp in {fa.name}")
    for split in SPLITS:
        reg = read_regions(regions_path(release, split))
        check_same_chroms(sizes, fa.name, reg.chroms, regions_path(release, split).name)
        if size is not None and reg.size != size:
            raise DreamTFError(
                f"{regions_path(release, split)}: windows are {reg.size} bp but the config's windows.size is {size}"
            )
    for tf, spec in tfs.items():
        lp = labels_path(release, tf)
        if lp.is_file():
            chroms = check_label_file(lp, spec["train_cells"])
            check_same_chroms(sizes, fa.name, chroms, lp.name)
    if out_sizes:
        write_chrom_sizes(out_sizes, dict(sorted(sizes.items(), key=lambda kv: chrom_sort_key(kv[0]))))
    return sizes


def stage_dir(out) -> Path:
    """A scratch folder beside ``out`` for building files before they move into place."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))


def publish(stage: Path, out) -> None:
    """Move every file of ``stage`` to the same place under ``out``, then remove ``stage``."""
    out = Path(out)
    for src in sorted(stage.rglob("*")):
        if src.is_file():
            dst = out / src.relative_to(stage)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    shutil.rmtree(stage, ignore_errors=True)
