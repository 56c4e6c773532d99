"""Feature cache files, their builders, and feature sets assembled from them.

Each feature group is computed once per key (a cell, a TF, or the genome) into one
file ``results/features/<group>/<key>.npz`` holding one matrix per chromosome over the
windows of the release's region files (training and test). A feature set names groups;
assembling it for (TF, cell, chromosome) concatenates their columns, so adding a
feature set recomputes nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import numpy as np

from . import features as ft
from .errors import DreamTFError
from .io.bigwig import BigWigTrack
from .io.fasta import iter_fasta_codes
from .io.featurefile import FeatureFile, write_feature_file
from .io.gtf import gene_id_of, matching_key, read_genes
from .io.narrowpeak import empty_peaks, read_narrowpeak
from .io.rnaseq import read_tpm
from .io.windowtable import read_regions

log = logging.getLogger(__name__)

GROUPS = ("dnase", "dnase_peaks", "motif", "motif_learned", "sequence", "expression")


def group_key(group: str, tf: str, cell: str) -> str:
    """The cache key of a group for a (TF, cell) pair."""
    keys = {"dnase": cell, "dnase_peaks": cell, "motif": tf, "motif_learned": tf, "sequence": "genome"}
    return keys.get(group, cell)


def region_windows(region_paths: list[str | os.PathLike], size: int) -> list[tuple[str, np.ndarray, int]]:
    """(chrom, starts, size) for every chromosome of the region files, first file winning."""
    out, seen = [], set()
    for p in region_paths:
        reg = read_regions(p, size=size)
        for chrom, starts in reg.by_chrom():
            if chrom not in seen:
                seen.add(chrom)
                out.append((chrom, starts, reg.size))
    return out


# --- builders: one group, one key, every chromosome -------------------------------------------------


def build_dnase(bigwig, region_paths, out, *, size: int, flank: int = 1) -> None:
    windows = region_windows(region_paths, size)
    with BigWigTrack(bigwig) as track:
        missing = [c for c, _, _ in windows if c not in track.sizes]
        if missing:
            raise DreamTFError(f"{bigwig}: no chromosome {missing[0]!r}; chromosome names must agree")
        ranks = ft.dnase_rank_reference(track, [c for c, _, _ in windows])

        def items():
            for chrom, starts, size in windows:
                x, cols = ft.dnase_features(track, chrom, starts, size, ranks, flank=flank)
                log.info("dnase %s: %d windows", chrom, len(starts))
                yield chrom, starts, x, cols

        write_feature_file(out, items())


def build_dnase_peaks(conservative, relaxed, region_paths, out, *, size: int, chrom_sizes: dict[str, int]) -> None:
    cons = read_narrowpeak(conservative, chrom_sizes=chrom_sizes)
    rel = read_narrowpeak(relaxed, chrom_sizes=chrom_sizes)
    windows = region_windows(region_paths, size)
    chroms = {c for c, _, _ in windows}
    for path, peaks in ((conservative, cons), (relaxed, rel)):
        if not chroms & set(peaks):
            raise DreamTFError(f"{path}: no peak on any chromosome of the windows ({', '.join(sorted(chroms))})")
    signal = np.sort(np.concatenate([p.signal for p in rel.values()])) if rel else np.zeros(1)

    def items():
        for chrom, starts, _ in windows:
            x, cols = ft.dnase_peak_features(
                cons.get(chrom, empty_peaks()), rel.get(chrom, empty_peaks()), starts, size, signal
            )
            yield chrom, starts, x, cols

    write_feature_file(out, items())


def _by_fasta_order(fasta, region_paths, size: int, fn) -> Iterator:
    windows = {c: (s, n) for c, s, n in region_windows(region_paths, size)}
    for chrom, codes in iter_fasta_codes(fasta, set(windows)):
        starts, size = windows[chrom]
        x, cols = fn(codes, starts, size)
        log.info("%s: %d windows", chrom, len(starts))
        yield chrom, starts, x, cols


def build_motif(tf: str, fasta, region_paths, out, *, size: int, flank: int = 1, matrix: str | None = None) -> None:
    from .motifs import resolve_motif

    motif = resolve_motif(tf, matrix)
    log.info("motif for %s: %s (%d bp)", tf, motif.matrix_id, len(motif))
    write_feature_file(
        out,
        _by_fasta_order(
            fasta, region_paths, size, lambda codes, st, n: ft.motif_features(motif, codes, st, n, flank=flank)
        ),
    )


def build_motif_learned(tf: str, meme, fasta, region_paths, out, *, size: int, flank: int = 1) -> None:
    """The ``motif_learned`` group of ``tf``: every motif of its learned MEME file scanned (rule learn_motifs)."""
    from .motifs import read_motifs

    motifs = read_motifs(meme)
    if not motifs:
        log.warning("%s: no motif was learned for %s; the motif_learned group has no column", meme, tf)
    log.info("learned motifs for %s: %s", tf, ", ".join(f"{m.matrix_id} ({len(m)} bp)" for m in motifs) or "none")
    write_feature_file(
        out,
        _by_fasta_order(
            fasta, region_paths, size, lambda codes, st, n: ft.learned_motif_features(motifs, codes, st, n, flank=flank)
        ),
    )


def build_sequence(fasta, region_paths, out, *, size: int) -> None:
    write_feature_file(out, _by_fasta_order(fasta, region_paths, size, ft.sequence_features))


def tf_expression(gtf, rna_paths: list, tf: str) -> float:
    """log1p TPM of the TF's own gene (found by gene_name in the GTF, or by name in the tables); 0 when absent."""
    tpm = read_tpm(rna_paths)
    gid = tf if tf in tpm else gene_id_of(gtf, tf)
    if gid is None:
        log.warning("the expression feature of %s is 0: its gene is not in %s", tf, gtf)
        return 0.0
    return float(np.log1p(tpm.get(gid, 0.0)))


def build_expression(gtf, rna_paths: list, region_paths, out, *, size: int) -> None:
    tpm = read_tpm(rna_paths)
    found = read_genes(gtf)
    key = matching_key(found, set(tpm), gtf, ", ".join(str(p) for p in rna_paths))
    genes = {chrom: (tss, keys[key]) for chrom, (tss, keys) in found.items()}

    def items():
        for chrom, starts, _ in region_windows(region_paths, size):
            tss, ids = genes.get(chrom, (np.empty(0, np.int64), []))
            values = np.array([tpm.get(g, 0.0) for g in ids], dtype=np.float64)
            x, cols = ft.expression_features(tss, values, starts, size)
            yield chrom, starts, x, cols

    write_feature_file(out, items())


# --- feature sets ------------------------------------------------------------------------------------


class FeatureSet:
    """The cache files of one feature set for one (TF, cell), read a chromosome at a time.

    ``paths`` are the groups' cache files; ``tf_log_tpm`` adds
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
