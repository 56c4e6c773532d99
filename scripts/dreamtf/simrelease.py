"""Write a simulated challenge release (see :mod:`dreamtf.simulate` for the model).

Files are built in a scratch folder beside the target and moved into place only when
all are written. The same seed, preset and TF table give byte-identical files.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import release as rl
from . import simulate as sim
from .errors import DreamTFError
from .io.bed import write_bed3
from .io.bigwig import BigWigWriter
from .io.chroms import chrom_sort_key, write_chrom_sizes
from .io.fasta import fasta_writer, write_fasta_record
from .io.files import atomic_write_text, remove_stale_temps
from .io.motiffile import write_meme
from .io.narrowpeak import Peaks, empty_peaks, write_narrowpeak
from .io.windowtable import write_labels, write_regions
from .labels import label_counts, label_windows
from .windows import region_starts

log = logging.getLogger(__name__)

DNASE_RES = 5  # bp per constant step of the simulated fold-change track


def _concat_peaks(parts: list[Peaks]) -> Peaks:
    if not parts:
        return empty_peaks()
    p = Peaks(*[np.concatenate([getattr(x, f) for x in parts]) for f in ("start", "end", "summit", "signal")])
    o = np.argsort(p.start, kind="stable")
    return Peaks(p.start[o], p.end[o], p.summit[o], p.signal[o])


def dnase_track(cs: sim.ChromSim, length: int, ci: int, tfs: list[sim.TFModel], rng) -> tuple[np.ndarray, Peaks, Peaks]:
    """Fold-change track (one value per DNASE_RES bp) and DNase peaks of one cell."""
    n_bins = length // DNASE_RES
    sig = np.zeros(n_bins, dtype=np.float32)
    open_idx = np.flatnonzero(cs.site_open[:, ci])
    boost = np.ones(len(cs.site_pos))
    extra_pos, foot = [], []
    for tf in tfs:
        d = cs.tf_sites[tf.name]
        b = d["bound"][:, ci]
        at_site = d["site"] >= 0
        boost[d["site"][b & at_site]] *= 2.4
        boost[d["indirect_site"][d["indirect_bound"][:, ci]]] *= 1.8
        extra_pos.append(d["pos"][b & ~at_site])  # binding in closed chromatin opens it a little
        foot += [(p, len(tf.motif)) for p in d["pos"][b]]
    pos = np.concatenate([cs.site_pos[open_idx], *extra_pos])
    h = np.concatenate(
        [
            cs.site_height[open_idx] * boost[open_idx] * np.exp(rng.normal(0, 0.3, len(open_idx))),
            np.exp(rng.normal(2.0, 0.5, sum(len(e) for e in extra_pos))),
        ]
    )
    sd = rng.uniform(40, 90, len(pos))
    k = np.arange(-60, 61)
    centre_bin = pos // DNASE_RES
    bins = centre_bin[:, None] + k[None, :]
    dist = (bins * DNASE_RES + DNASE_RES / 2) - pos[:, None]
    vals = h[:, None] * np.exp(-0.5 * (dist / sd[:, None]) ** 2)
    ok = (bins >= 0) & (bins < n_bins) & (vals > 0.5)
    np.add.at(sig, bins[ok], vals[ok].astype(np.float32))
    # footprints: protected motif, slightly raised flanks
    for p, mlen in foot:
        a, b = (p - mlen // 2) // DNASE_RES, (p + mlen // 2) // DNASE_RES + 1
        sig[a - 4 : a] *= 1.25
        sig[b : b + 4] *= 1.25
        sig[a:b] *= 0.3
    ns, nl, nv = _add_noise(sig, length, rng)
    sig = np.round(sig, 2)
    sig[sig < 0.05] = 0
    # DNase peaks: conservative = strong sites, relaxed = all sites plus noise
    width = (3 * sd).astype(np.int64)
    dstart = np.maximum(pos - width, 0)
    dend = np.minimum(pos + width, length)
    strong = h > np.quantile(h, 0.45) if len(h) else np.zeros(0, bool)
    cons = Peaks(dstart[strong], dend[strong], pos[strong], h[strong])
    nstart = ns * DNASE_RES
    relaxed = _concat_peaks(
        [
            Peaks(dstart, dend, pos, h),
            Peaks(nstart, nstart + nl * DNASE_RES, nstart + nl * DNASE_RES // 2, nv.astype(float)),
        ]
    )
    return sig, _concat_peaks([cons]), relaxed


def _add_noise(sig: np.ndarray, length: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add sparse low-level noise to ``sig`` in place; returns each stretch's first bin, bins and value."""
    n_noise = rng.poisson(length / 1e6 * 40)
    ns = rng.integers(0, len(sig) - 100, n_noise)
    nl = rng.integers(10, 80, n_noise)
    nv = rng.uniform(0.3, 2.5, n_noise).astype(np.float32)
    for s, n, v in zip(ns, nl, nv):
        sig[s : s + n] += v
    return ns, nl, nv


def chip_peaks(cs: sim.ChromSim, tf: sim.TFModel, ci: int, length: int, rng) -> tuple[Peaks, Peaks]:
    """Conservative and relaxed ChIP-seq peaks of one TF in one cell."""
    d = cs.tf_sites[tf.name]
    pos = np.concatenate([d["pos"][d["bound"][:, ci]], cs.site_pos[d["indirect_site"][d["indirect_bound"][:, ci]]]])
    strength = np.exp(rng.normal(3.0, 0.8, len(pos)))
    summit = pos + np.round(rng.normal(0, 12, len(pos))).astype(np.int64)
    reproducible = rng.random(len(pos)) < 0.75  # IDR keeps most, not all, true sites
    start = summit - 120
    cons = Peaks(start[reproducible], start[reproducible] + 240, summit[reproducible], strength[reproducible])
    # relaxed: every bound site with a variable width, plus weak peaks at unbound open sites
    w = rng.integers(150, 500, len(pos))
    rel_start = summit - w // 2
    n_weak = rng.poisson(0.5 * len(pos) + 1)
    weak_sites = cs.site_pos[rng.integers(0, len(cs.site_pos), n_weak)] if len(cs.site_pos) else np.empty(0, int)
    weak_pos = np.concatenate([weak_sites[: n_weak // 2], rng.integers(10_000, length - 10_000, n_weak - n_weak // 2)])
    ww = rng.integers(150, 400, len(weak_pos))
    relaxed = _concat_peaks(
        [
            Peaks(np.minimum(rel_start, start), np.maximum(rel_start + w, start + 240), summit, strength),
            Peaks(weak_pos - ww // 2, weak_pos + ww - ww // 2, weak_pos, np.exp(rng.normal(1.5, 0.5, len(weak_pos)))),
        ]
    )
    return _concat_peaks([cons]), relaxed


@dataclass
class _Plan:
    """What one simulated release is made of: the genome, cells, TFs and window settings."""

    seed: int
    sizes: dict[str, int]
    chroms: list[str]
    cells: list[str]
    tfs: dict
    models: list[sim.TFModel]
    expr: dict
    test_chroms: set[str]
    fasta: str
    size: int
    step: int
    label_rule: str
    min_overlap: int
    end_n: int
    flank: sim.FlankModules | None = None


@dataclass
class _Simulated:
    """Per chromosome what the simulation gave, kept until every chromosome is done."""

    dnase_peaks: dict = field(default_factory=dict)  # (cell, kind) -> {chrom: Peaks}
    chip_peaks: dict = field(default_factory=dict)  # (tf, cell, kind) -> {chrom: Peaks}
    regions: dict = field(default_factory=dict)  # chrom -> window starts
    blacklist: dict = field(default_factory=dict)  # chrom -> (n, 2) intervals
    genes: list = field(default_factory=list)  # (chrom, tss, strand)
    open_promoters: dict = field(default_factory=dict)  # cell -> [bool per promoter, per chrom]


#: the release's folders, made before any file is written
SUBFOLDERS = (
    "annotations",
    "ChIPseq/labels",
    "ChIPseq/peaks/conservative",
    "ChIPseq/peaks/relaxed",
    "DNASE/fold_coverage_wiggles",
    "DNASE/peaks/conservative",
    "DNASE/peaks/relaxed",
    "RNAseq",
)


def write_simulated_release(
    out,
    *,
    seed: int = 1,
    preset: str = "demo",
    tfs: dict | None = None,
    chrom_sizes: dict[str, int] | None = None,
    test_chroms: tuple[str, ...] | list[str],
    fasta: str = "hg19.genome.fa.gz",
    size: int,
    step: int,
    label_rule: str,
    min_overlap: int = 1,
    flank_module: float = 0.0,
    planted: dict | None = None,
) -> dict:
    """Simulate a complete release under ``out`` and return a small summary.

    ``tfs`` is ``{tf: {"train_cells": [...], "test_cells": [...]}}`` (default: the
    challenge-like table in :data:`dreamtf.simulate.DEFAULT_TFS`). ``flank_module``: the share
    of motif instances given a flanking module (:class:`dreamtf.simulate.FlankModules`).
    ``planted``: ``{tf: Motif}`` planted in place of the TF's database matrix, which the
    models are still given (a database that is wrong about the core).
    """
    if preset not in sim.PRESETS:
        raise DreamTFError(f"unknown preset {preset!r}; expected one of {', '.join(sim.PRESETS)}")
    if not 0 <= flank_module <= 1:
        raise DreamTFError(f"flank_module is {flank_module}; expected a share from 0 to 1")
    tfs = tfs or sim.DEFAULT_TFS
    sizes = dict(chrom_sizes or sim.PRESETS[preset])
    missing = [c for c in test_chroms if c not in sizes]
    if missing:
        raise DreamTFError(f"the simulated genome has no {missing[0]}, a held-out chromosome")
    cells = rl.cells_of(tfs)
    models = sim.load_tfs(list(tfs))
    for model in models:
        model.motif = (planted or {}).get(model.name, model.motif)
    erng = sim.rng_for(seed, "expression")
    expr = {(t.name, c): sim.tf_expression(t.name, c, erng) for t in models for c in cells}
    plan = _Plan(
        seed=seed,
        sizes=sizes,
        chroms=sorted(sizes, key=chrom_sort_key),
        cells=cells,
        tfs=tfs,
        models=models,
        expr=expr,
        test_chroms=set(test_chroms),
        fasta=fasta,
        size=size,
        step=step,
        label_rule=label_rule,
        min_overlap=min_overlap,
        end_n=sim.END_N.get(preset, 1_000),
        flank=sim.FlankModules.draw(flank_module, seed, list(tfs)) if flank_module > 0 else None,
    )
    remove_stale_temps(out)  # what a killed earlier run left
    stage = rl.stage_dir(out)
    try:
        summary = _write_all(stage, plan)
        rl.publish(stage, out)
        if plan.flank is None:  # a release without modules keeps no earlier run's module file
            rl.flank_modules_path(out).unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return summary


def _write_all(stage: Path, plan: _Plan) -> dict:
    """Every file of the release under ``stage``; returns the summary."""
    for sub in SUBFOLDERS:
        (stage / sub).mkdir(parents=True, exist_ok=True)
    got = _simulate_chromosomes(stage, plan)
    for (cell, kind), peaks in got.dnase_peaks.items():
        write_narrowpeak(rl.dnase_peaks_path(stage, cell, kind), peaks, name_prefix=f"DNASE.{cell}")
    for (tf, cell, kind), peaks in got.chip_peaks.items():
        if cell in plan.tfs[tf]["train_cells"] + plan.tfs[tf]["test_cells"]:
            write_narrowpeak(rl.chip_peaks_path(stage, tf, cell, kind), peaks, name_prefix=f"{tf}.{cell}")
    train_chroms = [c for c in plan.chroms if c not in plan.test_chroms]
    test_list = [c for c in plan.chroms if c in plan.test_chroms]
    write_regions(rl.regions_path(stage, "train"), ((c, got.regions[c]) for c in train_chroms), size=plan.size)
    for split in ("ladder", "test"):
        write_regions(rl.regions_path(stage, split), ((c, got.regions[c]) for c in test_list), size=plan.size)
    n_bound = _write_label_files(stage, plan, got, train_chroms)
    write_bed3(rl.blacklist_path(stage), {c: got.blacklist[c] for c in plan.chroms})
    write_chrom_sizes(rl.chrom_sizes_path(stage), {c: plan.sizes[c] for c in plan.chroms})
    _write_genes(stage, got.genes, plan.cells, plan.tfs, plan.expr, got.open_promoters, plan.seed)
    summary = {
        "chromosomes": len(plan.chroms),
        "cells": plan.cells,
        "tfs": list(plan.tfs),
        "train_windows": int(sum(len(got.regions[c]) for c in train_chroms)),
        "bound_train_windows": n_bound,
    }
    if plan.flank is not None:  # what the release planted, one motif per TF
        modules = [(tf, f"{tf}_flank_module", m, plan.flank.planted[tf]) for tf, m in plan.flank.matrices.items()]
        write_meme(rl.flank_modules_path(stage), modules)
        summary["flank_module_sites"] = dict(plan.flank.planted)
    return summary


def _simulate_chromosomes(stage: Path, plan: _Plan) -> _Simulated:
    """Simulate one chromosome at a time, writing its FASTA record and DNase tracks as it goes."""
    header = [(c, plan.sizes[c]) for c in plan.chroms]
    bws = {cell: BigWigWriter(rl.dnase_bigwig_path(stage, cell), header) for cell in plan.cells}
    got = _Simulated(
        dnase_peaks={(c, k): {} for c in plan.cells for k in ("conservative", "relaxed")},
        chip_peaks={(t, c, k): {} for t in plan.tfs for c in plan.cells for k in ("conservative", "relaxed")},
        open_promoters={c: [] for c in plan.cells},
    )
    with fasta_writer(rl.fasta_path(stage, plan.fasta)) as fa:
        for chrom in tqdm(plan.chroms, desc="simulating chromosomes", unit="chrom"):
            length = plan.sizes[chrom]
            rng = sim.rng_for(plan.seed, "chrom", chrom)
            cs = sim.simulate_chrom(chrom, length, plan.cells, plan.models, plan.expr, rng, plan.end_n, plan.flank)
            write_fasta_record(fa, chrom, cs.seq)
            got.blacklist[chrom] = sim.simulate_blacklist(chrom, length, rng, plan.end_n)
            got.regions[chrom] = region_starts(length, got.blacklist[chrom], plan.size, plan.step)
            got.genes += [(chrom, int(t), int(s)) for t, s in zip(cs.tss, cs.tss_strand)]
            _simulate_dnase(cs, chrom, length, plan, bws, got)
            _simulate_chip(cs, chrom, length, plan, got)
            del cs
    for bw in bws.values():
        bw.close()
    return got


def _simulate_dnase(cs: sim.ChromSim, chrom: str, length: int, plan: _Plan, bws: dict, got: _Simulated) -> None:
    """Each cell's DNase track on ``chrom`` (added to its bigWig) and its DNase peaks."""
    for ci, cell in enumerate(plan.cells):
        crng = sim.rng_for(plan.seed, "dnase", chrom, cell)
        sig, cons, rel = dnase_track(cs, length, ci, plan.models, crng)
        nz = np.flatnonzero(sig)
        bws[cell].add(chrom, nz * DNASE_RES, sig[nz], DNASE_RES)
        got.dnase_peaks[(cell, "conservative")][chrom] = cons
        got.dnase_peaks[(cell, "relaxed")][chrom] = rel
        got.open_promoters[cell].append(cs.site_open[: cs.n_promoters, ci])


def _simulate_chip(cs: sim.ChromSim, chrom: str, length: int, plan: _Plan, got: _Simulated) -> None:
    """Each TF's ChIP-seq peaks on ``chrom`` in each of its cells."""
    for tf in plan.models:
        spec = plan.tfs[tf.name]
        for cell in spec["train_cells"] + spec["test_cells"]:
            if chrom in plan.test_chroms and cell in spec["train_cells"] and cell not in spec["test_cells"]:
                continue  # held-out chromosomes are absent from training files, as in the release
            prng = sim.rng_for(plan.seed, "chip", chrom, tf.name, cell)
            cons, rel = chip_peaks(cs, tf, plan.cells.index(cell), length, prng)
            got.chip_peaks[(tf.name, cell, "conservative")][chrom] = cons
            got.chip_peaks[(tf.name, cell, "relaxed")][chrom] = rel


def _write_label_files(stage: Path, plan: _Plan, got: _Simulated, train_chroms: list[str]) -> dict[str, int]:
    """Each TF's training labels, derived from its peaks by the configured rule; returns its B windows."""
    n_bound = {}
    for tf, spec in plan.tfs.items():
        peaks = [tuple(got.chip_peaks[(tf, c, k)] for k in ("conservative", "relaxed")) for c in spec["train_cells"]]

        def count(chrom, codes, tf=tf):
            n_bound[tf] = n_bound.get(tf, 0) + label_counts(codes)["B"]

        per_chrom = label_windows(
            ((c, got.regions[c]) for c in train_chroms),
            peaks,
            size=plan.size,
            rule=plan.label_rule,
            min_overlap=plan.min_overlap,
            on_chrom=count,
        )
        write_labels(rl.labels_path(stage, tf), spec["train_cells"], per_chrom, size=plan.size)
    return n_bound


def _write_genes(stage: Path, genes, cells, tfs, expr, open_promoters, seed) -> None:
    """GENCODE-like GTF and RSEM-like expression tables (two biological replicates)."""
    rng = sim.rng_for(seed, "genes")
    n = len(genes)
    names = [f"SIMG{i + 1:05d}" for i in range(n)]
    tf_names = list(tfs)
    # the TFs' own genes take the first promoters of the genome
    for i, tf in enumerate(tf_names[:n]):
        names[i] = tf
    gene_len = np.clip(np.exp(rng.normal(9.5, 1.0, n)), 1_500, 200_000).astype(np.int64)
    with atomic_write_text(rl.gtf_path(stage)) as fh:
        fh.write("##description: simulated GENCODE-like annotation (dreamtf)\n##format: gtf\n")
        for i, ((chrom, tss, strand), name) in enumerate(zip(genes, names)):
            gid = f"ENSG9{i + 1:010d}.1"
            tid = f"ENST9{i + 1:010d}.1"
            if strand > 0:
                a, b = tss + 1, tss + int(gene_len[i])
            else:
                a, b = max(1, tss - int(gene_len[i]) + 1), tss + 1
            s = "+" if strand > 0 else "-"
            attrs = (
                f'gene_id "{gid}"; transcript_id "{gid}"; gene_type "protein_coding"; gene_status "KNOWN"; '
                f'gene_name "{name}"; transcript_type "protein_coding"; transcript_status "KNOWN"; '
                f'transcript_name "{name}"; level 2;'
            )
            fh.write(f"{chrom}\tHAVANA\tgene\t{a}\t{b}\t.\t{s}\t.\t{attrs}\n")
            tattrs = attrs.replace(f'transcript_id "{gid}"', f'transcript_id "{tid}"').replace(
                f'transcript_name "{name}"', f'transcript_name "{name}-001"'
            )
            fh.write(f"{chrom}\tHAVANA\ttranscript\t{a}\t{b}\t.\t{s}\t.\t{tattrs}\n")
            span = b - a + 1
            for k, (ea, eb) in enumerate([(0, 0.15), (0.45, 0.55), (0.9, 1.0)], 1):
                xa, xb = a + int(span * ea), a + int(span * eb) - 1 if eb < 1 else b
                fh.write(f"{chrom}\tHAVANA\texon\t{xa}\t{max(xa, xb)}\t.\t{s}\t.\t{tattrs} exon_number {k};\n")
    for cell in cells:
        is_open = np.concatenate(open_promoters[cell]) if open_promoters[cell] else np.zeros(0, bool)
        base = np.where(is_open, np.exp(rng.normal(2.0, 1.6, n)), rng.uniform(0.0, 0.3, n))
        for i, tf in enumerate(tf_names[:n]):
            base[i] = expr[(tf, cell)]
        for rep in (1, 2):
            tpm = base * np.exp(rng.normal(0, 0.15, n))
            length = np.clip(gene_len // 10, 300, 12_000)
            eff = np.maximum(length - 180, 1)
            counts = np.round(tpm * eff / 1e3 * 3, 2)
            fpkm = tpm * 0.8
            with atomic_write_text(rl.rnaseq_path(stage, cell, rep)) as fh:
                fh.write("gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n")
                for i in range(n):
                    fh.write(
                        f"ENSG9{i + 1:010d}.1\tENST9{i + 1:010d}.1\t{length[i]}\t{eff[i]}\t{counts[i]:.2f}\t"
                        f"{tpm[i]:.2f}\t{fpkm[i]:.2f}\n"
                    )
