"""The challenge release layout: where each file lives, and checking a release.

```
<release>/annotations/<fasta>                       genome FASTA (gzip)
<release>/annotations/{train,ladder,test}_regions.blacklistfiltered.bed.gz
<release>/annotations/gencode.v19.annotation.gtf.gz  GENCODE of the build (GRCh38: gencode.v29...)
<release>/ChIPseq/labels/<TF>.train.labels.tsv.gz
<release>/ChIPseq/peaks/{conservative,relaxed}/ChIPseq.<cell>.<TF>.{conservative.train,relaxed}.narrowPeak.gz
<release>/DNASE/fold_coverage_wiggles/DNASE.<cell>.fc.signal.bigwig
<release>/DNASE/peaks/{conservative,relaxed}/DNASE.<cell>.{conservative,relaxed}.narrowPeak.gz
<release>/RNAseq/gene_expression.<cell>.biorep<N>.tsv
<release>/flank_modules.meme                          simulated with release.flank_module > 0 only
```
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from .errors import DreamTFError
from .genomes import GENOMES
from .io.bigwig import check_track, max_signal
from .io.chroms import check_same_chroms, chrom_sort_key, write_chrom_sizes
from .io.fasta import fasta_sizes
from .io.narrowpeak import read_narrowpeak
from .io.windowtable import read_labels, read_regions

log = logging.getLogger(__name__)

SPLITS = ("train", "ladder", "test")


def fasta_path(release, fasta: str) -> Path:
    return Path(release) / "annotations" / fasta


def regions_path(release, split: str) -> Path:
    return Path(release) / "annotations" / f"{split}_regions.blacklistfiltered.bed.gz"


def gtf_name(genome: str = "hg19") -> str:
    """The GENCODE file's name for a genome build: that of its release in :data:`dreamtf.genomes.GENOMES`.

    hg19 keeps the challenge's ``gencode.v19.annotation.gtf.gz``; GRCh38 is ``gencode.v29.annotation.gtf.gz``.
    """
    if genome not in GENOMES:
        raise DreamTFError(f"unknown genome build {genome!r}; expected one of {', '.join(GENOMES)}")
    return PurePosixPath(urlsplit(GENOMES[genome]["gtf"]).path).name


def gtf_path(release, genome: str = "hg19") -> Path:
    """The release's GENCODE annotation, named for the build's GENCODE version (:func:`gtf_name`)."""
    return Path(release) / "annotations" / gtf_name(genome)


def labels_path(release, tf: str, split: str = "train") -> Path:
    return Path(release) / "ChIPseq" / "labels" / f"{tf}.{split}.labels.tsv.gz"


def chip_peaks_path(release, tf: str, cell: str, kind: str) -> Path:
    suffix = {"conservative": "conservative.train", "relaxed": "relaxed"}[kind]
    return Path(release) / "ChIPseq" / "peaks" / kind / f"ChIPseq.{cell}.{tf}.{suffix}.narrowPeak.gz"


def dnase_bigwig_path(release, cell: str) -> Path:
    return Path(release) / "DNASE" / "fold_coverage_wiggles" / f"DNASE.{cell}.fc.signal.bigwig"


def dnase_bam_path(release, cell: str) -> Path:
    """A cell's aligned DNase-seq reads (the challenge's release has them; accessibility: reads reads them)."""
    return Path(release) / "DNASE" / "bams" / f"DNASE.{cell}.bam"


def dnase_peaks_path(release, cell: str, kind: str) -> Path:
    return Path(release) / "DNASE" / "peaks" / kind / f"DNASE.{cell}.{kind}.narrowPeak.gz"


def rnaseq_path(release, cell: str, rep: int) -> Path:
    return Path(release) / "RNAseq" / f"gene_expression.{cell}.biorep{rep}.tsv"


def blacklist_path(release) -> Path:
    """Not part of the official release: the simulator's blacklist, for ``dreamtf labels``."""
    return Path(release) / "annotations" / "blacklist.bed.gz"


def flank_modules_path(release) -> Path:
    """The flanking modules a simulated release planted (MEME, one motif per TF), not a challenge file."""
    return Path(release) / "flank_modules.meme"


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


def encode_files(release_cfg: dict, tfs: dict, own: Collection[str] = ()) -> dict[str, dict]:
    """What an encode release downloads: ``{path in the layout: spec}``.

    A spec is ``{"url": ..., "md5": ...}`` for the genome's annotation files, or
    ``{"accession": ..., "kind": peaks | signal | rnaseq, "assays": ...}`` for ENCODE files.
    The region files are built from the FASTA and blacklist (rule encode_regions). ChIP-seq
    peaks come for training and test cells only; prediction cells get their accessibility
    (and RNA-seq) files, and cells of your own (``own``, the config's ``cells``) nothing.
    """
    from .genomes import asset

    root, genome, ann = Path("."), release_cfg["genome"], release_cfg["annotations"]
    enc = release_cfg["encode"]
    plan: dict[Path, dict] = {
        fasta_path(root, release_cfg["fasta"]): asset(genome, "fasta", ann),
        blacklist_path(root): asset(genome, "blacklist", ann),
        gtf_path(root, genome): asset(genome, "gtf", ann),
    }
    for tf, spec in tfs.items():
        for cell in spec["train_cells"] + spec["test_cells"]:
            for kind, acc in enc["chip"][tf][cell].items():
                plan[chip_peaks_path(root, tf, cell, kind)] = {"accession": acc, "kind": "peaks"}
    for cell in cells_of(tfs):
        if cell in own:
            continue
        acc = enc["accessibility"][cell]
        plan[dnase_bigwig_path(root, cell)] = {"accession": acc["signal"], "kind": "signal", "assays": [acc["assay"]]}
        for kind in ("conservative", "relaxed"):
            if kind in acc:
                plan[dnase_peaks_path(root, cell, kind)] = {"accession": acc[kind], "kind": "peaks"}
        for rep, acc in enumerate(enc.get("rnaseq", {}).get(cell, []), start=1):
            plan[rnaseq_path(root, cell, rep)] = {"accession": acc, "kind": "rnaseq"}
    return {p.as_posix(): spec for p, spec in plan.items()}


def write_regions_from_genome(
    fasta, blacklist, outputs: dict, *, chromosomes: list[str], test_chroms: list[str], size: int, step: int
) -> dict[str, int]:
    """The challenge's region files from a genome: windows of ``size`` bp every ``step`` bp on
    ``chromosomes``, on the challenge's grid (:func:`dreamtf.windows.window_grid`), minus those
    touching the blacklist; test chromosomes make the ``test`` and ``ladder`` files, the others
    ``train``. Returns windows per split."""
    from .io.bed import read_bed3
    from .io.windowtable import write_regions
    from .windows import region_starts

    sizes = fasta_sizes(fasta)
    check_same_chroms(sizes, f"the genome ({fasta})", chromosomes, "config: release.chromosomes")
    bl = read_bed3(blacklist)
    if bl and not set(bl) & set(chromosomes):  # e.g. '1' against 'chr1': one line naming both files
        check_same_chroms(sizes, str(fasta), list(bl), str(blacklist))
    starts = {c: region_starts(sizes[c], bl.get(c), size, step) for c in chromosomes}
    counts = {}
    for split, path in outputs.items():
        chroms = [c for c in chromosomes if (c in test_chroms) == (split != "train")]
        write_regions(path, ((c, starts[c]) for c in chroms), size=size)
        counts[split] = int(sum(len(starts[c]) for c in chroms))
        log.info("%s: %d windows on %d chromosomes", path, counts[split], len(chroms))
    return counts


def check_simulated_cells(tfs: dict, simulated: dict, own: set[str], source: str = "config.yaml") -> None:
    """A run on a simulated release names only the preset's TFs and cells (or cells of its own)."""
    if not simulated:
        return
    cells = set(cells_of(simulated))
    for tf, spec in tfs.items():
        if tf not in simulated:
            raise DreamTFError(
                f"{source}: 'tfs.{tf}': the simulated release has the TFs {', '.join(simulated)}; "
                "choose among them, or use a release of your own (release.source)"
            )
        chip = simulated[tf]["train_cells"] + simulated[tf]["test_cells"]
        for key, allowed, what in (
            ("train_cells", chip, f"a cell with {tf} ChIP-seq in the simulated release"),
            ("test_cells", chip, f"a cell with {tf} ChIP-seq in the simulated release"),
            ("predict_cells", cells | own, "a cell of the simulated release nor one of your own (cells)"),
        ):
            other = [c for c in spec.get(key, []) if c not in allowed]
            if other:
                raise DreamTFError(
                    f"{source}: 'tfs.{tf}.{key}': {other[0]!r} is not {what} ({', '.join(sorted(allowed))})"
                )


def own_cell_files(spec: dict) -> dict[str, str]:
    """The files of one ``cells`` entry by config key (``signal``, ``peaks.relaxed``, ``bam``, ``rnaseq[0]``, ...)."""
    files = {k: spec[k] for k in ("signal", "bam", "fragments", "clusters") if k in spec}
    peaks = spec.get("peaks", {})
    files.update({f"peaks.{k}": v for k, v in peaks.items()} if isinstance(peaks, dict) else {"peaks": peaks})
    files.update({f"rnaseq[{i}]": p for i, p in enumerate(spec.get("rnaseq", []))})
    return files


def check_own_cells(cells: dict, used: set[str], release, source: str = "config.yaml") -> None:
    """The files of every used cell of your own exist (one line naming the key); files inside the
    release folder may still be written by the run, and are checked when read."""
    for cell, spec in cells.items():
        if cell not in used:
            continue
        for key, path in own_cell_files(spec).items():
            inside = Path(os.path.abspath(path)).is_relative_to(os.path.abspath(release))
            if not inside and not Path(path).is_file():
                raise DreamTFError(f"{source}: 'cells.{cell}.{key}': no file {path}")


def check_release_bams(cells: list[str], release, source: str = "config.yaml") -> None:
    """``accessibility: reads`` on a release folder: every cell's BAM and its index are there."""
    for cell in cells:
        bam = dnase_bam_path(release, cell)
        for path in (bam, Path(f"{bam}.bai")):
            if not path.is_file():
                raise DreamTFError(
                    f"{source}: 'accessibility' is reads, but the release has no {path} (the reads of {cell}); "
                    "add the cell's sorted, indexed BAM there, or set accessibility: files"
                )


def cells_of(tfs: dict) -> list[str]:
    """All cell types of a TF table, in order of first mention."""
    seen: dict[str, None] = {}
    for spec in tfs.values():
        for c in spec["train_cells"] + spec.get("test_cells", []) + spec.get("predict_cells", []):
            seen.setdefault(c)
    return list(seen)


def check_release(
    *,
    fasta,
    bigwigs: dict[str, str] | None = None,
    regions: dict[str, str],
    labels: dict[str, list[str]] | None = None,
    size: int,
    test_chroms: list[str],
    valid_chroms: list[str],
    out_sizes=None,
) -> dict[str, int]:
    """Check the release files a run uses, before any job reads them.

    ``bigwigs`` maps cells to their DNase bigWigs, ``regions`` splits (train, test) to
    region files and ``labels`` label TSVs to the cells read from them (the workflow checks
    each label file in a job of its own, :func:`check_labels`, so that adding a TF reruns
    nothing that every job reads). Chromosome names and lengths must agree with the FASTA,
    windows must be ``size`` bp and lie inside their chromosomes, labels must be U/A/B
    (:func:`check_labels`), signal values finite and >= 0, and the
    configured test (validation) chromosomes must be in the genome and the test
    (training) region file. The first problem is one line naming the file. Returns the
    FASTA's chromosome sizes (written to ``out_sizes``, in natural order, when given).
    """
    sizes = fasta_sizes(fasta)
    fa_name = Path(fasta).name
    for key, chroms in (("chromosomes.test", test_chroms), ("chromosomes.validation", valid_chroms)):
        check_same_chroms(sizes, f"the genome ({fasta})", chroms, f"config: {key}")
    region_chroms = {}
    for split, path in regions.items():
        reg = read_regions(path, size=size)
        check_same_chroms(sizes, fa_name, reg.chroms, Path(path).name)
        check_inside(path, reg, sizes, size, fa_name)
        region_chroms[split] = reg.chroms
    for split, key, chroms in (
        ("test", "chromosomes.test", test_chroms),
        ("train", "chromosomes.validation", valid_chroms),
    ):
        missing = [c for c in chroms if split in region_chroms and c not in region_chroms[split]]
        if missing:
            raise DreamTFError(f"config: {key} names {missing[0]}, which {regions[split]} has no window on")
    used = sorted({c for cs in region_chroms.values() for c in cs})
    for bw_path in (bigwigs or {}).values():
        chroms = check_track(bw_path, used)
        check_same_chroms(sizes, fa_name, list(chroms), Path(bw_path).name)
        for c, n in chroms.items():
            if sizes[c] != n:
                raise DreamTFError(f"{bw_path}: {c} is {n} bp long but {sizes[c]} bp in {fa_name}")
    for path, cells in (labels or {}).items():
        check_labels(path, cells, sizes=sizes, size=size, genome=fa_name)
    if out_sizes:
        write_chrom_sizes(out_sizes, dict(sorted(sizes.items(), key=lambda kv: chrom_sort_key(kv[0]))))
    return sizes


def check_inside(path, table, sizes: dict[str, int], size: int, genome: str) -> None:
    """Every window of ``table`` (sorted by start per chromosome) ends inside its chromosome."""
    for chrom, starts in table.by_chrom():
        if starts[-1] + size > sizes[chrom]:
            raise DreamTFError(
                f"{path}: window {chrom}:{starts[-1]}-{starts[-1] + size} runs past the end of {chrom} "
                f"({sizes[chrom]} bp in {genome}); is it from another genome build?"
            )


def check_labels(path, cells: list[str], *, sizes: dict[str, int], size: int, genome: str = "the genome") -> dict:
    """Check one label TSV for the cells a run reads from it, before any job reads it.

    The header must name ``cells``, every value be U/A/B, windows be ``size`` bp, sorted,
    on the genome's chromosomes and inside them. The first problem is one line naming the
    file. Returns a small record of what was checked (written by rule check_labels).
    """
    table = read_labels(path, cells=cells, size=size)
    check_same_chroms(sizes, genome, table.chroms, Path(path).name)
    check_inside(path, table, sizes, size, genome)
    return {
        "labels": str(path),
        "cells": list(cells),
        "chromosomes": sorted(table.chroms, key=chrom_sort_key),
        "windows": len(table),
    }


def check_cell(
    cell: str, *, signal, peaks: list, sizes: dict[str, int], chroms: list[str], genome: str = "the genome"
) -> dict:
    """Check one cell's accessibility files against the genome before any job reads them.

    The signal bigWig must name the genome's chromosomes with the genome's lengths (a
    track of another build or naming scheme is refused, naming both), hold finite values
    >= 0, and have signal on at least one of ``chroms`` (the chromosomes the run reads);
    each peak file must be a readable narrowPeak on the genome's chromosomes. Returns a
    small record of what was checked (written by rule check_cell).
    """
    got = check_track(signal, chroms)
    check_same_chroms(sizes, genome, list(got), str(signal))
    for c, n in got.items():
        if c in sizes and sizes[c] != n:
            raise DreamTFError(f"{signal}: {c} is {n} bp long but {sizes[c]} bp in {genome}; another genome build?")
    if not max_signal(signal, chroms) > 0:
        raise DreamTFError(
            f"{signal}: no signal on any of {', '.join(chroms)}; expected the accessibility track of {cell}"
        )
    n_peaks = {}
    for path in dict.fromkeys(str(p) for p in peaks):
        table = read_narrowpeak(path, chrom_sizes=sizes)
        n_peaks[path] = sum(len(p) for p in table.values())
    return {"cell": cell, "signal": str(signal), "chromosomes": sorted(got, key=chrom_sort_key), "peaks": n_peaks}


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
