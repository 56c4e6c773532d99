"""A simulated challenge release: genome, chromatin, TF binding, and the files they give.

The model, one chromosome at a time:

* **Sequence**: bases drawn with a GC fraction that varies in 100 kb blocks around
  44 %, then CpG depletion (most CG become TG or CA, as methylated CpGs deaminate),
  which brings GC to about 41 % and CpG observed/expected to about 0.25; CpG islands
  (GC 65 %, no depletion) over promoters; N at the chromosome ends.
* **Open chromatin**: promoter sites open in almost every cell; distal sites with a
  breadth (share of cells where they open) drawn per site and cell-to-cell
  correlation from a cell-similarity matrix (HepG2 and liver share most sites).
* **TF binding**: instances of the TF's real JASPAR matrix, of varied strength, are
  planted at a subset of open sites and, several times more often, in closed
  chromatin. A TF binds an instance with a probability that rises with motif
  strength, is high in open and low in closed chromatin, and is near zero where the
  TF is not expressed; it also binds some open sites with no motif (indirect
  binding). CTCF's sites are mostly constitutively open and bound across cells.
* **Flanking modules** (``flank_module`` > 0, off by default): a share of each TF's
  instances, open and closed, also carry a 10 bp module 4 bp upstream of the core on
  the instance's strand, like CTCF's upstream module. Its matrix is drawn per TF from
  the seed, so it is in no database, and instances without it bind 5 times less often:
  the database matrix then misses what sets bound sites apart, which motif learning
  has to recover. The modules come from streams of their own, so a release without
  them is byte-identical to one from before they existed.
* **DNase fold change**: each open site gives a peak whose height grows when any TF
  binds there; bound motifs leave a footprint (a dip over the motif); sparse low
  noise elsewhere; zero everywhere else.
* **ChIP-seq**: bound sites give peaks with summits near the motif; the strongest
  form the conservative set, and relaxed adds weak and spurious peaks (A windows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, ndtri

from .intervals import nearest
from .io.fasta import reverse_complement_codes
from .motifs import Motif, load_jaspar, score_instance, score_range

log = logging.getLogger(__name__)

#: hg19 lengths of the chromosomes the presets simulate
HG19 = {
    "chr1": 249250621,
    "chr2": 243199373,
    "chr8": 146364022,
    "chr11": 135006516,
    "chr21": 48129895,
    "chr22": 51304566,
    "chrX": 155270560,
}
DEMO = {
    "chr1": 6_000_000,
    "chr2": 5_500_000,
    "chr8": 4_000_000,
    "chr11": 4_000_000,
    "chr21": 2_500_000,
    "chr22": 2_500_000,
    "chrX": 4_000_000,
}
PRESETS = {"demo": DEMO, "bench": HG19}

#: TFs, training and held-out cell types of the default simulated release (a subset
#: of the challenge's own table: liver and PC-3 were final-round test cells).
DEFAULT_TFS = {
    "CTCF": {"train_cells": ["A549", "HepG2", "K562"], "test_cells": ["PC-3", "liver"]},
    "FOXA1": {"train_cells": ["A549", "HepG2"], "test_cells": ["liver"]},
    "REST": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]},
}

#: Per-TF binding parameters; unknown TFs get ``_default``.
#: density: motif instances at open sites per Mb; closed_ratio: instances in closed
#: chromatin per open one; p_open / p_closed: top binding probability in open / closed
#: chromatin; indirect: share of other open sites bound without a motif;
#: constitutive: share of the TF's sites open in nearly every cell.
TF_PARAMS = {
    "CTCF": dict(density=22.0, closed_ratio=3.0, p_open=0.9, p_closed=0.12, indirect=0.004, constitutive=0.6),
    "FOXA1": dict(density=18.0, closed_ratio=4.0, p_open=0.75, p_closed=0.03, indirect=0.02, constitutive=0.05),
    "REST": dict(density=6.0, closed_ratio=3.0, p_open=0.85, p_closed=0.05, indirect=0.005, constitutive=0.3),
    "_default": dict(density=12.0, closed_ratio=3.0, p_open=0.75, p_closed=0.03, indirect=0.015, constitutive=0.1),
}

#: TF expression (TPM) where it matters: FOXA1 is silent in blood and embryonic stem cells.
TF_TPM = {("FOXA1", "K562"): 0.2, ("FOXA1", "GM12878"): 0.1, ("FOXA1", "H1-hESC"): 0.3, ("FOXA1", "HeLa-S3"): 0.4}
SIMILAR = {frozenset({"HepG2", "liver"}): 0.8, frozenset({"A549", "IMR-90"}): 0.5, frozenset({"K562", "GM12878"}): 0.5}
BASE_SIMILARITY = 0.35
BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)

GENES_PER_MB = 9.0
DISTAL_PER_MB = 85.0
END_N = {"demo": 1_000, "bench": 10_000}

#: Flanking module geometry: FLANK_LEN bp, then FLANK_GAP bp, then the core, read on the
#: instance's strand (as CTCF's upstream module sits a few bp from its core). 10 bp at
#: about 0.85 per base is specific enough that chance matches beside a core are rare
#: (about 1 in 300 reach 7 of 10 consensus bases); the gap, like the spacer of real
#: composite sites, keeps the two apart, so that a learned motif reads as a second matrix
#: rather than as an extension of the core.
FLANK_LEN = 10
FLANK_GAP = 4
#: Binding probability of an instance without the module, relative to one with it: low
#: enough that among strong core matches the module, not the core, decides binding (so a
#: model given only the database matrix is told too little), yet not zero, as real sites
#: lacking a cofactor's motif still bind sometimes.
FLANK_ABSENT = 0.2
#: Range of the module's probability on its consensus base, drawn per position (mean 0.85):
#: a consensus a model can learn, with the variation real matrices have.
FLANK_CONSENSUS = (0.8, 0.9)


@dataclass
class TFModel:
    name: str
    motif: Motif
    params: dict


@dataclass
class ChromSim:
    """Everything simulated for one chromosome; site arrays are parallel."""

    name: str
    seq: np.ndarray  # uint8 codes, shape (length,)
    tss: np.ndarray
    tss_strand: np.ndarray
    site_pos: np.ndarray  # centres of open-chromatin sites (promoters first)
    site_open: np.ndarray  # bool, (n_sites, n_cells)
    site_height: np.ndarray  # base DNase height, (n_sites,)
    n_promoters: int
    # per TF: dict with positions, strand, motif score, bound (n, n_cells), site index (-1 = closed),
    # and with flanking modules on, flank (whether each instance carries the module)
    tf_sites: dict = field(default_factory=dict)


def nearest_distance(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Distance from each of ``x`` to the nearest of the sorted positions ``ref`` (inf if none)."""
    if len(ref) == 0:
        return np.full(len(x), np.inf)
    return np.abs(x - ref[nearest(ref, x)])


def cell_correlation(cells: list[str]) -> np.ndarray:
    """Cell-to-cell correlation of distal open chromatin."""
    n = len(cells)
    r = np.full((n, n), BASE_SIMILARITY)
    for i in range(n):
        for j in range(n):
            r[i, j] = 1.0 if i == j else SIMILAR.get(frozenset({cells[i], cells[j]}), BASE_SIMILARITY)
    return r


def tf_expression(tf: str, cell: str, rng: np.random.Generator) -> float:
    """TPM of a TF's gene in a cell: from TF_TPM, else expressed (lognormal around 30)."""
    return TF_TPM.get((tf, cell), float(np.exp(rng.normal(3.4, 0.4))))


def background_sequence(length: int, rng: np.random.Generator, end_n: int) -> np.ndarray:
    """Base codes with isochore-like GC blocks and CpG depletion; N at both ends."""
    seq = np.empty(length, dtype=np.uint8)
    block = 100_000
    chunk = 8_000_000
    for lo in range(0, length, chunk):
        hi = min(length, lo + chunk)
        nblk = (hi - lo + block - 1) // block
        gc = np.clip(rng.normal(0.44, 0.03, nblk), 0.34, 0.56)
        gcp = np.repeat(gc, block)[: hi - lo]
        u = rng.random(hi - lo, dtype=np.float32)
        at = (1 - gcp) / 2
        s = np.where(u < at, 0, np.where(u < at + gcp / 2, 1, np.where(u < at + gcp, 2, 3))).astype(np.uint8)
        seq[lo:hi] = s
    deplete_cpg(seq, rng, 0.83)
    seq[: min(end_n, length)] = 4
    seq[max(0, length - end_n) :] = 4
    return seq


def deplete_cpg(seq: np.ndarray, rng: np.random.Generator, rate: float) -> None:
    """Mutate a share ``rate`` of CpG dinucleotides into TpG or CpA, in place."""
    cg = np.flatnonzero((seq[:-1] == 1) & (seq[1:] == 2))
    hit = cg[rng.random(len(cg)) < rate]
    to_t = rng.random(len(hit)) < 0.5
    seq[hit[to_t]] = 3  # C -> T
    seq[hit[~to_t] + 1] = 0  # G -> A


def cpg_island(length: int, rng: np.random.Generator) -> np.ndarray:
    """An island's bases: GC 65 %, CpG not depleted."""
    u = rng.random(length)
    return np.where(u < 0.175, 0, np.where(u < 0.5, 1, np.where(u < 0.825, 2, 3))).astype(np.uint8)


def sample_instances(motif: Motif, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` motif instances of varied strength; returns codes (n, L) and relative scores.

    Each instance comes from the matrix raised to a random power (sharper = stronger),
    so the planted set spans weak to near-consensus sites. Scores are relative:
    0 is the worst possible log-odds, 1 the best.
    """
    length = len(motif)
    power = rng.uniform(0.4, 3.5, n)
    p = motif.probs[None, :, :] ** power[:, None, None]
    p /= p.sum(axis=2, keepdims=True)
    cum = np.cumsum(p, axis=2)
    u = rng.random((n, length, 1))
    codes = (u > cum).sum(axis=2).astype(np.uint8).clip(0, 3)
    lo, hi = score_range(motif)
    rel = (score_instance(motif, codes) - lo) / (hi - lo)
    return codes, rel


def plant(seq: np.ndarray, pos: np.ndarray, codes: np.ndarray, strand: np.ndarray) -> None:
    """Write instances centred on ``pos`` into ``seq``; minus-strand ones reverse-complemented."""
    length = codes.shape[1]
    rc = reverse_complement_codes(codes)
    inst = np.where(strand[:, None] > 0, codes, rc)
    start = pos - length // 2
    idx = start[:, None] + np.arange(length)[None, :]
    seq[idx] = inst


def sample_matrix(probs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` sequences (codes, shape (n, length)) base by base from the probabilities ``probs``."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random((n, len(probs), 1))
    return (u > cum[None, :, :]).sum(axis=2).astype(np.uint8).clip(0, 3)


def flank_matrix(rng: np.random.Generator) -> np.ndarray:
    """A flanking module's (FLANK_LEN, 4) probabilities: a random consensus, about 0.85 on it per position.

    The consensus has no CpG, as the simulated genome is CpG-depleted outside islands and
    a CpG-rich module would mark its sites by composition alone, and at least three
    different bases, as a low-complexity one would match simple repeats by chance.
    """
    while True:
        cons = rng.integers(0, 4, FLANK_LEN)
        if len(set(cons.tolist())) >= 3 and not np.any((cons[:-1] == 1) & (cons[1:] == 2)):
            break
    top = rng.uniform(*FLANK_CONSENSUS, FLANK_LEN)
    probs = np.repeat(((1 - top) / 3)[:, None], 4, axis=1)
    probs[np.arange(FLANK_LEN), cons] = top
    return probs


def flank_starts(pos: np.ndarray, strand: np.ndarray, core_len: int) -> np.ndarray:
    """First base (on the + strand) of the module beside cores of ``core_len`` bp centred on ``pos``.

    Upstream on the instance's strand: before the core on +, past its end on -.
    """
    core = pos - core_len // 2
    return np.where(strand > 0, core - FLANK_GAP - FLANK_LEN, core + core_len + FLANK_GAP)


@dataclass
class FlankModules:
    """Flanking modules of a release: the share of instances carrying one and each TF's matrix."""

    share: float
    seed: int
    matrices: dict  # TF -> (FLANK_LEN, 4) probabilities
    planted: dict = field(default_factory=dict)  # TF -> instances given the module so far

    @classmethod
    def draw(cls, share: float, seed: int, tfs: list[str]) -> FlankModules:
        """Each TF's module from a stream of its own, so TFs added or removed change no other's."""
        return cls(share, seed, {tf: flank_matrix(rng_for(seed, "flank", tf)) for tf in tfs})

    def plant(self, seq: np.ndarray, tf: str, chrom: str, pos, strand, core_len: int) -> np.ndarray:
        """Give a share of ``tf``'s instances on ``chrom`` the module; returns which carry it.

        Draws from ``rng_for(seed, "flank", tf, chrom)`` only, never the chromosome's stream.
        """
        rng = rng_for(self.seed, "flank", tf, chrom)
        carry = rng.random(len(pos)) < self.share
        codes = sample_matrix(self.matrices[tf], int(carry.sum()), rng)
        plant(seq, flank_starts(pos[carry], strand[carry], core_len) + FLANK_LEN // 2, codes, strand[carry])
        self.planted[tf] = self.planted.get(tf, 0) + len(codes)
        return carry


def open_matrix(breadth: np.ndarray, corr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Open/closed per site and cell: correlated Gaussians thresholded at each site's breadth."""
    chol = np.linalg.cholesky(corr)
    z = rng.standard_normal((len(breadth), len(corr))) @ chol.T
    return z < ndtri(np.clip(breadth, 1e-6, 1 - 1e-6))[:, None]


def simulate_chrom(
    name: str,
    length: int,
    cells: list[str],
    tfs: list[TFModel],
    expr: dict,
    rng: np.random.Generator,
    end_n: int,
    flank: FlankModules | None = None,
) -> ChromSim:
    """Simulate one chromosome's sequence, open chromatin and binding in every cell.

    With ``flank``, each TF's instances get their flanking modules right after they are
    planted (``tf_sites[tf]["flank"]`` says which carry one) and binding depends on them.
    """
    mb = length / 1e6
    margin = end_n + 5_000
    seq = background_sequence(length, rng, end_n)
    corr = cell_correlation(cells)
    # promoters with CpG islands
    n_genes = max(2, rng.poisson(GENES_PER_MB * mb))
    tss = np.sort(rng.integers(margin + 2_000, length - margin - 2_000, n_genes))
    strand = np.where(rng.random(n_genes) < 0.5, 1, -1)
    for t in tss:
        seq[t - 700 : t + 300] = cpg_island(1000, rng)
    # distal sites, away from promoters
    n_distal = rng.poisson(DISTAL_PER_MB * mb)
    distal = np.sort(rng.integers(margin, length - margin, n_distal))
    distal = distal[nearest_distance(distal, tss) >= 2_000]
    site_pos = np.concatenate([tss + rng.integers(-60, 60, len(tss)), distal])
    breadth = np.concatenate([np.full(len(tss), 0.93), rng.beta(1.1, 1.7, len(distal))])
    used = np.zeros(len(site_pos), dtype=bool)
    used[: len(tss)] = True  # promoters host indirect binding only
    tf_sites = {}
    for tf in tfs:
        pr = tf.params
        n_open = min(int(rng.poisson(pr["density"] * mb)), int((~used).sum()))
        free = np.flatnonzero(~used)
        chosen = rng.choice(free, n_open, replace=False) if n_open else np.empty(0, dtype=np.int64)
        used[chosen] = True
        const = rng.random(n_open) < pr["constitutive"]
        breadth[chosen[const]] = rng.uniform(0.9, 0.99, const.sum())
        n_closed = int(n_open * pr["closed_ratio"])
        closed_pos = rng.integers(margin, length - margin, n_closed)
        closed_pos = np.sort(closed_pos[nearest_distance(closed_pos, np.sort(site_pos)) > 1_500])
        pos = np.concatenate([site_pos[chosen] + rng.integers(-25, 25, n_open), closed_pos])
        site_idx = np.concatenate([chosen, np.full(len(closed_pos), -1)])
        codes, rel = sample_instances(tf.motif, len(pos), rng)
        st = np.where(rng.random(len(pos)) < 0.5, 1, -1)
        plant(seq, pos, codes, st)
        tf_sites[tf.name] = dict(pos=pos, strand=st, rel=rel, site=site_idx)
        if flank is not None:
            tf_sites[tf.name]["flank"] = flank.plant(seq, tf.name, name, pos, st, len(tf.motif))
    site_open = open_matrix(breadth, corr, rng)
    height = np.exp(rng.normal(4.4, 0.6, len(site_pos)))
    height[: len(tss)] *= 1.4
    for tf in tfs:
        bind(tf, tf_sites[tf.name], [expr[(tf.name, c)] for c in cells], site_open, rng)
    return ChromSim(name, seq, tss, strand, site_pos, site_open, height, len(tss), tf_sites)


def bind(tf: TFModel, sites: dict, expression: list[float], site_open: np.ndarray, rng: np.random.Generator) -> None:
    """Decide where ``tf`` binds in each cell: its instances ``sites`` gain ``bound`` and indirect binding.

    ``expression`` is the TF's TPM per cell and ``site_open`` (n_sites, n_cells) the open
    chromatin; adds ``bound`` (n_instances, n_cells), ``indirect_site`` (open sites without
    the TF's motif) and ``indirect_bound`` (their binding per cell) to ``sites``. Where
    ``sites`` has ``flank``, instances without the flanking module bind FLANK_ABSENT times
    as often.
    """
    pr = tf.params
    e = np.array(expression)
    e_fac = e / (e + 2.0)  # TPM 0.2 -> 0.09, TPM 30 -> 0.94
    affinity = expit((sites["rel"] - 0.72) / 0.06)
    is_open = np.where(sites["site"][:, None] >= 0, site_open[np.maximum(sites["site"], 0)], False)
    p = np.where(is_open, pr["p_open"], pr["p_closed"]) * affinity[:, None] * e_fac[None, :]
    if "flank" in sites:
        p = p * np.where(sites["flank"], 1.0, FLANK_ABSENT)[:, None]
    sites["bound"] = rng.random(p.shape) < p
    others = np.setdiff1d(np.arange(len(site_open)), sites["site"][sites["site"] >= 0])
    n_cells = site_open.shape[1]
    sites["indirect_site"] = others
    sites["indirect_bound"] = (rng.random((len(others), n_cells)) < pr["indirect"] * e_fac[None, :]) & site_open[others]


def load_tfs(names: list[str]) -> list[TFModel]:
    """Motifs (JASPAR) and binding parameters of the simulated TFs."""
    return [TFModel(n, load_jaspar(n), TF_PARAMS.get(n, TF_PARAMS["_default"])) for n in names]


def simulate_blacklist(name: str, length: int, rng: np.random.Generator, end_n: int) -> np.ndarray:
    """Blacklist-like regions (satellites, high-signal islands): about one per 2 Mb, 0.1-20 kb."""
    n = max(1, rng.poisson(length / 2e6))
    starts = np.sort(rng.integers(end_n, max(end_n + 1, length - 30_000), n))
    widths = np.clip(np.exp(rng.normal(7.5, 1.2, n)), 100, 20_000).astype(np.int64)
    iv = np.column_stack([starts, np.minimum(starts + widths, length)])
    return iv


def rng_for(seed: int, *keys: str) -> np.random.Generator:
    """An independent, reproducible stream per (seed, keys), whatever the order of use."""
    words = [seed] + [int.from_bytes(k.encode()[:16].ljust(16, b"\0"), "little") % (2**63) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))
