"""Feature cache files, their builders, and feature sets assembled from them.

Each feature group is computed once per key (a cell, a TF, or the genome) into one
file ``results/features/<group>/<key>.npz`` holding one matrix per chromosome over the
windows of the release's region files (training and test). A feature set names groups;
assembling it for (TF, cell, chromosome) concatenates their columns, so adding a
feature set recomputes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from . import features as ft
from .errors import DreamTFError
from .genome import iter_fasta
from .io import open_text
from .release import read_regions

log = logging.getLogger(__name__)

GROUPS = ("dnase", "dnase_peaks", "motif", "sequence", "expression")


def group_key(group: str, tf: str, cell: str) -> str:
    """The cache key of a group for a (TF, cell) pair."""
    return {"dnase": cell, "dnase_peaks": cell, "motif": tf, "sequence": "genome", "expression": cell}[group]


def feature_path(root: str | os.PathLike, group: str, key: str) -> Path:
    return Path(root) / group / f"{key}.npz"


def region_windows(region_paths: list[str | os.PathLike]) -> list[tuple[str, np.ndarray, int]]:
    """(chrom, starts, size) for every chromosome of the region files, first file winning."""
    out, seen = [], set()
    for p in region_paths:
        reg = read_regions(p)
        for chrom, starts in reg.by_chrom():
            if chrom not in seen:
                seen.add(chrom)
                out.append((chrom, starts, reg.size))
    return out


def write_feature_file(path: str | os.PathLike, items: Iterator[tuple[str, np.ndarray, np.ndarray, list[str]]]):
    """Write ``(chrom, starts, matrix, columns)`` items into one cache file, atomically.

    Members ``<chrom>.x.npy`` and ``<chrom>.starts.npy``, plus ``columns.json``; each
    chromosome is written as soon as it is computed, so memory holds one at a time.
    """
    from .io import atomic_path

    columns = None
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            chroms = []
            for chrom, starts, x, cols in items:
                if columns is None:
                    columns = list(cols)
                elif list(cols) != columns:
                    raise DreamTFError(f"{path}: feature columns differ between chromosomes")
                for name, arr in (
                    (f"{chrom}.x.npy", x.astype(np.float32, copy=False)),
                    (f"{chrom}.starts.npy", starts.astype(np.int64, copy=False)),
                ):
                    with zf.open(name, "w", force_zip64=True) as fh:
                        np.lib.format.write_array(fh, np.ascontiguousarray(arr), allow_pickle=False)
                chroms.append(chrom)
            zf.writestr("columns.json", json.dumps({"columns": columns or [], "chroms": chroms}))


class FeatureFile:
    """Read access to a feature cache file, one chromosome at a time."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self._zf = zipfile.ZipFile(self.path)
            meta = json.loads(self._zf.read("columns.json"))
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise DreamTFError(f"{self.path}: not a dreamtf feature file ({exc})") from None
        self.columns: list[str] = meta["columns"]
        self.chroms: list[str] = meta["chroms"]

    def load(self, chrom: str) -> tuple[np.ndarray, np.ndarray]:
        """(starts, matrix) of one chromosome."""
        if chrom not in self.chroms:
            raise DreamTFError(f"{self.path}: no features for {chrom} (it has {', '.join(self.chroms)})")
        with self._zf.open(f"{chrom}.starts.npy") as fh:
            starts = np.lib.format.read_array(fh)
        with self._zf.open(f"{chrom}.x.npy") as fh:
            x = np.lib.format.read_array(fh)
        return starts, x

    def close(self) -> None:
        self._zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- builders: one group, one key, every chromosome -------------------------------------------------


def build_dnase(bigwig, region_paths, out, *, flank: int = 1) -> None:
    from .baseline import open_bigwig

    windows = region_windows(region_paths)
    bw = open_bigwig(bigwig)
    try:
        missing = [c for c, _, _ in windows if c not in bw.chroms()]
        if missing:
            raise DreamTFError(f"{bigwig}: no chromosome {missing[0]!r}; chromosome names must agree")
        ranks = ft.dnase_rank_sample(bw, [c for c, _, _ in windows])

        def items():
            for chrom, starts, size in windows:
                x, cols = ft.dnase_features(bw, chrom, starts, size, ranks, flank=flank)
                log.info("dnase %s: %d windows", chrom, len(starts))
                yield chrom, starts, x, cols

        write_feature_file(out, items())
    finally:
        bw.close()


def build_dnase_peaks(conservative, relaxed, region_paths, out) -> None:
    from .peaks import empty_peaks, read_narrowpeak

    cons, rel = read_narrowpeak(conservative), read_narrowpeak(relaxed)
    signal = np.sort(np.concatenate([p.signal for p in rel.values()])) if rel else np.zeros(1)

    def items():
        for chrom, starts, size in region_windows(region_paths):
            x, cols = ft.dnase_peak_features(
                cons.get(chrom, empty_peaks()), rel.get(chrom, empty_peaks()), starts, size, signal
            )
            yield chrom, starts, x, cols

    write_feature_file(out, items())


def _genome_codes(fasta, chroms: set[str]) -> Iterator[tuple[str, np.ndarray]]:
    from .simulate import to_codes

    found = set()
    for name, seq in iter_fasta(fasta):
        if name in chroms:
            found.add(name)
            yield name, to_codes(seq)
    if chroms - found:
        raise DreamTFError(f"{fasta}: no sequence for {sorted(chroms - found)[0]!r}; chromosome names must agree")


def _by_fasta_order(fasta, region_paths, fn) -> Iterator:
    windows = {c: (s, n) for c, s, n in region_windows(region_paths)}
    for chrom, codes in _genome_codes(fasta, set(windows)):
        starts, size = windows[chrom]
        x, cols = fn(codes, starts, size)
        log.info("%s: %d windows", chrom, len(starts))
        yield chrom, starts, x, cols


def build_motif(tf: str, fasta, region_paths, out, *, flank: int = 1, matrix: str | None = None) -> None:
    from .motifs import load_jaspar, read_motif_file

    motif = read_motif_file(matrix, tf) if matrix and Path(matrix).is_file() else load_jaspar(tf, matrix)
    log.info("motif for %s: %s (%d bp)", tf, motif.matrix_id, len(motif))
    write_feature_file(
        out,
        _by_fasta_order(fasta, region_paths, lambda codes, st, n: ft.motif_features(motif, codes, st, n, flank=flank)),
    )


def build_sequence(fasta, region_paths, out) -> None:
    write_feature_file(out, _by_fasta_order(fasta, region_paths, ft.sequence_features))


def read_gene_tss(gtf) -> dict[str, tuple[np.ndarray, list[str]]]:
    """TSS (0-based) and gene ids (version dropped) of every gene, per chromosome."""
    rows: dict[str, list] = {}
    with open_text(gtf) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) < 9:
                raise DreamTFError(f"{gtf}, line {lineno}: expected 9 tab-separated GTF columns")
            if f[2] != "gene":
                continue
            try:
                gid = f[8].split('gene_id "', 1)[1].split('"', 1)[0].split(".")[0]
                tss = int(f[3]) - 1 if f[6] == "+" else int(f[4]) - 1
            except (IndexError, ValueError):
                raise DreamTFError(f"{gtf}, line {lineno}: gene without gene_id or coordinates") from None
            rows.setdefault(f[0], []).append((tss, gid))
    return {c: (np.array([t for t, _ in r], dtype=np.int64), [g for _, g in r]) for c, r in rows.items()}


def read_tpm(paths: list) -> dict[str, float]:
    """Mean TPM per gene id (version dropped) over replicate RSEM tables."""
    sums: dict[str, float] = {}
    for p in paths:
        with open_text(p) as fh:
            header = fh.readline().rstrip("\n").split("\t")
            if "gene_id" not in header or "TPM" not in header:
                raise DreamTFError(f"{p}, line 1: expected columns gene_id and TPM (RSEM genes.results)")
            gi, ti = header.index("gene_id"), header.index("TPM")
            for lineno, line in enumerate(fh, 2):
                f = line.rstrip("\n").split("\t")
                try:
                    sums[f[gi].split(".")[0]] = sums.get(f[gi].split(".")[0], 0.0) + float(f[ti])
                except (IndexError, ValueError):
                    raise DreamTFError(f"{p}, line {lineno}: TPM is not a number") from None
    return {g: v / len(paths) for g, v in sums.items()}


def tf_expression(gtf, rna_paths: list, tf: str) -> float:
    """log1p TPM of the TF's own gene (found by gene_name in the GTF); 0 when absent."""
    gid = None
    with open_text(gtf) as fh:
        for line in fh:
            if f'gene_name "{tf}";' in line and "\tgene\t" in line:
                gid = line.split('gene_id "', 1)[1].split('"', 1)[0].split(".")[0]
                break
    if gid is None:
        log.warning("%s: no gene named %s; its expression feature is 0", gtf, tf)
        return 0.0
    return float(np.log1p(read_tpm(rna_paths).get(gid, 0.0)))


def build_expression(gtf, rna_paths: list, region_paths, out) -> None:
    genes = read_gene_tss(gtf)
    tpm = read_tpm(rna_paths)

    def items():
        for chrom, starts, size in region_windows(region_paths):
            tss, ids = genes.get(chrom, (np.empty(0, np.int64), []))
            values = np.array([tpm.get(g, 0.0) for g in ids], dtype=np.float64)
            x, cols = ft.expression_features(tss, values, starts, size)
            yield chrom, starts, x, cols

    write_feature_file(out, items())


# --- feature sets ------------------------------------------------------------------------------------


class FeatureSet:
    """The cache files of one feature set for one (TF, cell), read a chromosome at a time.

    ``paths`` are the groups' cache files (see :func:`feature_path`); ``tf_log_tpm`` adds
    the TF's own expression as a constant column (the ``expression`` group).
    """

    def __init__(self, paths: list, *, tf_log_tpm: float | None = None):
        self.files = [FeatureFile(p) for p in paths]
        self.extra = [] if tf_log_tpm is None else [tf_log_tpm]
        self.columns = [c for f in self.files for c in f.columns] + (["expr.tf_log_tpm"] if self.extra else [])
        self.chroms = self.files[0].chroms if self.files else []

    def load(self, chrom: str) -> tuple[np.ndarray, np.ndarray]:
        starts, parts = None, []
        for f in self.files:
            s, x = f.load(chrom)
            if starts is None:
                starts = s
            elif not np.array_equal(s, starts):
                raise DreamTFError(f"{f.path}: windows of {chrom} differ from the other feature files'")
            parts.append(x)
        if self.extra:
            parts.append(np.full((len(starts), 1), self.extra[0], dtype=np.float32))
        return starts, np.hstack(parts)

    def close(self) -> None:
        for f in self.files:
            f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_feature_set(paths: list, groups: list[str], tf: str, gtf, rnaseq: list) -> FeatureSet:
    """A FeatureSet, with the TF's own expression when the set uses the expression group."""
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise DreamTFError(f"unknown feature group {unknown[0]!r}; expected one of {', '.join(GROUPS)}")
    tpm = tf_expression(gtf, rnaseq, tf) if "expression" in groups else None
    return FeatureSet(paths, tf_log_tpm=tpm)
