"""Checks that a release (simulated or real) looks like the challenge's data.

Used by the simulator's tests and by ``bench/sim_stats.py``. Real-release reference
figures: about 41 % GC with CpG observed/expected near 0.2-0.25;
about 97 % of unbound windows without DNase signal; mean fold change about 1-2 in
unbound windows and 30-150 in bound ones.
"""

from __future__ import annotations

import logging
from typing import TextIO

import numpy as np

from . import release as rl
from .config import defaults
from .io.bigwig import BigWigTrack, chrom_values
from .io.fasta import iter_fasta, to_codes
from .io.narrowpeak import read_narrowpeak
from .io.windowtable import WindowTable, read_labels, read_regions
from .labels import label_windows
from .metrics import score
from .motifs import load_jaspar, scan
from .windows import window_stat

log = logging.getLogger(__name__)


def composition(fasta) -> dict[str, float]:
    """GC fraction and CpG observed/expected over non-N bases."""
    counts = np.zeros(5, dtype=np.int64)
    cg = 0
    for _, seq in iter_fasta(fasta):
        c = to_codes(seq)
        counts += np.bincount(c, minlength=5)
        cg += int(np.count_nonzero((c[:-1] == 1) & (c[1:] == 2)))
    acgt = counts[:4].sum()
    gc = (counts[1] + counts[2]) / acgt
    expected = counts[1] * counts[2] / acgt
    return {"gc": float(gc), "cpg_oe": float(cg / expected) if expected else float("nan")}


def window_features(release, fasta: str, tf: str, cell: str, regions: WindowTable, motif=None):
    """Per-window max DNase, mean DNase and best motif score, concatenated over chromosomes."""
    motif = motif or load_jaspar(tf)
    seqs = {name: seq for name, seq in iter_fasta(rl.fasta_path(release, fasta)) if name in regions.chroms}
    mx, mean, mot = [], [], []
    with BigWigTrack(rl.dnase_bigwig_path(release, cell)) as track:
        for chrom, starts in regions.by_chrom():
            vals = chrom_values(track.bw, chrom, track.path)
            mx.append(window_stat(vals, starts, regions.size, "max"))
            mean.append(window_stat(vals, starts, regions.size, "mean"))
            s = scan(motif, to_codes(seqs[chrom]))
            s = np.concatenate([s, np.full(len(vals) - len(s), s.min())])
            mot.append(window_stat(s, starts, regions.size, "max"))
    return np.concatenate(mx), np.concatenate(mean), np.concatenate(mot)


def derived_codes(release, tf: str, cell: str, regions: WindowTable, rule: str | None = None) -> np.ndarray:
    """Labels of one cell derived from its ChIP-seq peaks over ``regions``, in region order.

    ``rule`` is a label rule (``labels.rule``; default the schema's).
    """
    rule = rule or defaults("labels", "rule")
    peaks = [tuple(read_narrowpeak(rl.chip_peaks_path(release, tf, cell, k)) for k in ("conservative", "relaxed"))]
    return np.concatenate(
        [c[:, 0] for _, _, c in label_windows(regions.by_chrom(), peaks, size=regions.size, rule=rule)]
    )


def dnase_vs_motif(release, fasta: str, tf: str, train_cells: list[str], test_cells: list[str]) -> dict:
    """auPRC of max DNase alone and of a logistic model on DNase + motif, on held-out cells.

    The model is trained on the training cells' labels (training chromosomes) and scored
    on the test cells' held-out chromosomes, labels derived from their peaks.
    """
    from sklearn.linear_model import LogisticRegression

    motif = load_jaspar(tf)
    train_reg = read_regions(rl.regions_path(release, "train"))
    lab = read_labels(rl.labels_path(release, tf), cells=train_cells)
    xs, ys = [], []
    for cell in train_cells:
        mx, _, mot = window_features(release, fasta, tf, cell, train_reg, motif)
        codes = lab.column(cell)
        keep = codes != 1
        xs.append(np.column_stack([np.log1p(mx), mot])[keep])
        ys.append(codes[keep] == 2)
    x, y = np.concatenate(xs), np.concatenate(ys)
    clf = LogisticRegression(max_iter=500).fit(np.column_stack([x, x[:, 0] * x[:, 1]]), y)
    test_reg = read_regions(rl.regions_path(release, "test"))
    out = {}
    for cell in test_cells:
        mx, _, mot = window_features(release, fasta, tf, cell, test_reg, motif)
        codes = derived_codes(release, tf, cell, test_reg)
        feats = np.column_stack([np.log1p(mx), mot])
        p = clf.predict_proba(np.column_stack([feats, feats[:, 0] * feats[:, 1]]))[:, 1]
        out[cell] = {
            "dnase_auprc": score(codes, mx, bootstrap=0)["auprc"],
            "dnase_motif_auprc": score(codes, p, bootstrap=0)["auprc"],
            "n_bound": int((codes == 2).sum()),
        }
    return out


def dnase_stats(release, fasta: str, tf: str, cell: str) -> dict[str, float]:
    """DNase signal in U and B windows of a training cell (training chromosomes)."""
    reg = read_regions(rl.regions_path(release, "train"))
    codes = read_labels(rl.labels_path(release, tf), cells=[cell]).column(cell)
    mx, mean = [], []
    with BigWigTrack(rl.dnase_bigwig_path(release, cell)) as track:
        for chrom, starts in reg.by_chrom():
            vals = chrom_values(track.bw, chrom, track.path)
            mx.append(window_stat(vals, starts, reg.size, "max"))
            mean.append(window_stat(vals, starts, reg.size, "mean"))
    mx, mean = np.concatenate(mx), np.concatenate(mean)
    u, b = codes == 0, codes == 2
    return {
        "u_zero_fraction": float(np.mean(mx[u] == 0)),
        "u_mean_fc": float(mean[u].mean()),
        "b_mean_fc": float(mean[b].mean()) if b.any() else float("nan"),
        "b_fraction": float(b.mean()),
        "a_fraction": float(np.mean(codes == 1)),
    }


def release_stats(release, fasta: str = "hg19.genome.fa.gz", tfs: dict | None = None, out: TextIO | None = None):
    """Print and return every statistic above for a release."""
    from .simulate import DEFAULT_TFS

    tfs = tfs or DEFAULT_TFS
    res = {"composition": composition(rl.fasta_path(release, fasta)), "dnase": {}, "auprc": {}}
    for tf, spec in tfs.items():
        for cell in spec["train_cells"]:
            res["dnase"][(tf, cell)] = dnase_stats(release, fasta, tf, cell)
        res["auprc"][tf] = dnase_vs_motif(release, fasta, tf, spec["train_cells"], spec["test_cells"])
    if out is not None:
        c = res["composition"]
        out.write(f"GC {c['gc']:.3f}  CpG o/e {c['cpg_oe']:.3f}\n")
        out.write("tf\tcell\tU_zero\tU_meanFC\tB_meanFC\tB_frac\tA_frac\n")
        for (tf, cell), d in res["dnase"].items():
            out.write(
                f"{tf}\t{cell}\t{d['u_zero_fraction']:.3f}\t{d['u_mean_fc']:.2f}\t{d['b_mean_fc']:.1f}\t"
                f"{d['b_fraction']:.4f}\t{d['a_fraction']:.4f}\n"
            )
        out.write("tf\ttest_cell\tn_bound\tauPRC_dnase\tauPRC_dnase+motif\n")
        for tf, cells in res["auprc"].items():
            for cell, d in cells.items():
                out.write(f"{tf}\t{cell}\t{d['n_bound']}\t{d['dnase_auprc']:.3f}\t{d['dnase_motif_auprc']:.3f}\n")
    return res


def module_effect(model, meta, genome, dnase, labels, cell: str, core, module: np.ndarray, rng) -> dict:
    """What a FactorNet model makes of a simulated release's flanking module: in-silico mutagenesis.

    For each window bound in ``cell`` (of ``labels``) whose best match of ``core`` carries
    ``module`` (at least 8 of its consensus bases, :data:`dreamtf.simulate.FLANK_GAP` bp
    upstream on the core's strand): the mean loss of logit when the module's bases are
    replaced by random ones, and when as many bases at the same distance on the core's
    other side are (the control). ``dnase`` is the cell's DNase cache.
    """
    from .factornet_inputs import chrom_inputs
    from .motif_extension import best_sites
    from .simulate import FLANK_GAP as GAP
    from .simulate import FLANK_LEN as WIDTH

    length = meta["params"]["input_length"]
    j = labels.cells.index(cell)
    rows = np.flatnonzero(labels.codes[:, j] == 2)
    chrom_idx, starts = labels.chrom[rows], labels.start[rows]
    site, _, at, minus = best_sites(genome, labels.chroms, chrom_idx, starts, labels.size, core, GAP + WIDTH)
    carries = (site[:, :WIDTH] == module).sum(axis=1) >= 8
    up = np.where(minus, at + len(core) + GAP, at - GAP - WIDTH)  # the module's genomic start
    down = np.where(minus, at - GAP - WIDTH, at + len(core) + GAP)  # the control's
    pad = (length - labels.size) // 2
    keep = carries & (up - (starts - pad) >= 0) & (down - (starts - pad) >= 0)
    keep &= (up + WIDTH <= starts - pad + length) & (down + WIDTH <= starts - pad + length)
    logits = {"as is": [], "module scrambled": [], "control scrambled": []}
    for ci in np.unique(chrom_idx[keep]):
        sel = np.flatnonzero(keep & (chrom_idx == ci))
        x = chrom_inputs(genome, dnase, labels.chroms[int(ci)], starts[sel] - pad, length)
        for name, where in (("as is", None), ("module scrambled", up[sel]), ("control scrambled", down[sel])):
            seq = x["sequence"].copy()
            if where is not None:
                cols = (where - (starts[sel] - pad))[:, None] + np.arange(WIDTH)[None, :]
                seq[np.arange(len(sel))[:, None], cols] = rng.integers(0, 4, cols.shape)
            p = np.clip(model.predict({**x, "sequence": seq}, batch_size=256, verbose=0)[:, 0], 1e-6, 1 - 1e-6)
            logits[name].append(np.log(p / (1 - p)))
    got = {k: np.concatenate(v) for k, v in logits.items()}
    return {
        "sites": int(keep.sum()),
        "bound_windows": int(len(rows)),
        "module_loss": float(np.mean(got["as is"] - got["module scrambled"])),
        "control_loss": float(np.mean(got["as is"] - got["control scrambled"])),
    }
