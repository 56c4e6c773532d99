"""What FactorNet learned: attributions, motifs found in them, and their matches in JASPAR.

1. **Attributions** (gradient x input): for the held-out windows FactorNet scores
   highest, the gradient of the model's logit (the two strands' pre-sigmoid outputs,
   averaged) with respect to the one-hot sequence. The gradient at each position,
   centred over the four bases, is the *hypothetical* contribution of every base there;
   times the one-hot sequence it is the contribution of the base present (the DNase
   channel is left out: motifs are sequence).
2. **Motifs**: TF-MoDISco (``modisco-lite``) clusters high-contribution stretches
   (seqlets) of the central ``width`` bp into patterns; each pattern's contribution
   weight matrix is trimmed to the positions carrying at least 30 % of its peak
   contribution (as modisco's own report does) and its base frequencies kept as a motif.
3. **Matches**: each motif against every JASPAR CORE vertebrate matrix bundled with
   pyjaspar by TOMTOM (``memelite``, both strands); q-values are Benjamini-Hochberg over
   the targets of each motif, as TOMTOM reports them.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .errors import DreamTFError
from .factornet import parts

log = logging.getLogger(__name__)

__all__ = [
    "attribution_model",
    "attributions",
    "discover_motifs",
    "jaspar_targets",
    "match_motifs",
    "strand_logits",
    "top_windows",
]


def strand_logits(model):
    """encoded input (batch, length, 4 + tracks) -> (batch, 2): each strand's pre-sigmoid output.

    The parts are ``model``'s own (shared weights): the mean of the two logits' sigmoids
    is the model's score. A model with cell metadata is refused (its logit needs them).
    """
    import keras
    from keras import ops

    pt = parts(model)
    if pt.n_meta:
        raise DreamTFError("attributions need a FactorNet model without expression metadata (factornet.meta_pcs: 0)")
    x_in = keras.Input(pt.encode.output.shape[1:], name="encoded")

    def logit(x):
        return pt.head({"pooled": pt.pool(pt.trunk(x))})

    rc = pt.reverse_complement(x_in)
    return keras.Model(x_in, ops.concatenate([logit(x_in), logit(rc)], axis=-1), name="factornet_strand_logits")


def attribution_model(model):
    """encoded input -> (batch, 1): the two strands' mean logit, the quantity attributed."""
    import keras
    from keras import ops

    strands = strand_logits(model)
    return keras.Model(strands.input, ops.mean(strands.output, axis=-1, keepdims=True), name="factornet_logit")


def encode(model, inputs: dict) -> np.ndarray:
    """Model inputs {sequence codes, tracks} as the encoded (n, length, 4 + tracks) float32 array.

    The model's own encoding does it (one-hot A, C, G, T, N all zero, then the tracks), so
    the gradients are taken against exactly what its convolutions see.
    """
    from keras import ops

    out = parts(model).encode([inputs["sequence"], inputs["tracks"]])
    return np.asarray(ops.convert_to_numpy(out), dtype=np.float32)


def attributions(model, encoded: np.ndarray, *, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(one-hot (n, length, 4), hypothetical contributions (n, length, 4)) by gradient x input."""
    from .backends import input_gradients

    att = attribution_model(model)
    grads = np.concatenate(
        [input_gradients(att, encoded[i : i + batch])[..., :4] for i in range(0, len(encoded), batch)]
    )
    hyp = grads - grads.mean(axis=-1, keepdims=True)
    return encoded[..., :4].copy(), hyp.astype(np.float32)


def top_windows(pred, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The ``n`` best-scoring windows of a prediction table: (chromosome per window, starts, scores)."""
    order = np.argsort(-pred.score, kind="stable")[:n]
    return [pred.chroms[int(c)] for c in pred.chrom[order]], pred.start[order], pred.score[order]


def trim_span(cwm: np.ndarray, threshold: float = 0.3) -> slice:
    """The span of positions whose |contribution| reaches ``threshold`` x the peak (modisco's report trim)."""
    score = np.abs(cwm).sum(axis=1)
    keep = np.flatnonzero(score >= threshold * score.max())
    return slice(int(keep.min()), int(keep.max()) + 1)


def discover_motifs(
    onehot: np.ndarray, hyp: np.ndarray, *, max_seqlets: int = 2000, threads: int | None = None, **kwargs
) -> list[dict]:
    """TF-MoDISco patterns of positive contribution, most seqlets first.

    Each: ``ppm`` and ``cwm`` (trimmed to the span of strong contribution, (length, 4))
    and ``seqlets`` (how many stretches make it).
    Fewer than modisco's minimum of seqlets gives no pattern, not an error.
    ``threads`` caps its parallel numba loops (default: numba's, every core).
    """
    import modiscolite
    import numba

    if threads:
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    # A ReLU network's gradient is exactly 0 where none of its kernels responds, often over
    # long stretches; TF-MoDISco's l1 normalisation of a seqlet in such a stretch divides 0
    # by 0 and its clustering stops on the NaN. Noise of 1e-6 to 2e-6 of the largest
    # contribution, of random sign (it favours no base), keeps every stretch's norm positive;
    # a floor of one sign would leave a network whose contributions are all positive (a
    # global max pool's) without the negative values TF-MoDISco's null distribution needs.
    hyp = hyp.astype(np.float32)
    eps = 1e-6 * max(float(np.abs(hyp).max()), np.finfo(np.float32).tiny)
    rng = np.random.default_rng(0)
    noise = (1 + rng.random(hyp.shape, dtype=np.float32)) * np.where(rng.random(hyp.shape) < 0.5, -1, 1)
    hyp = hyp + np.float32(eps) * noise.astype(np.float32)
    pos, _ = modiscolite.tfmodisco.TFMoDISco(
        one_hot=onehot.astype(np.float32),
        hypothetical_contribs=hyp,
        max_seqlets_per_metacluster=max_seqlets,
        **kwargs,
    )
    out = []
    for p in pos or []:
        cwm = np.asarray(p.contrib_scores)
        span = trim_span(cwm)
        out.append(
            {
                "ppm": np.asarray(p.sequence)[span],
                "cwm": cwm[span],
                "seqlets": len(p.seqlets),
            }
        )
    return sorted(out, key=lambda m: -m["seqlets"])


def jaspar_targets() -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Every JASPAR CORE vertebrate matrix bundled with pyjaspar: (ids and names, (4, length) frequencies)."""
    import warnings

    from pyjaspar import jaspardb

    db = jaspardb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        motifs = db.fetch_motifs(collection="CORE", tax_group=["vertebrates"], all_versions=False)
    info, mats = [], []
    for m in motifs:
        counts = np.array([m.counts[b] for b in "ACGT"], dtype=np.float64) + 0.01
        mats.append(counts / counts.sum(axis=0, keepdims=True))
        info.append({"matrix_id": m.matrix_id, "name": m.name})
    return pd.DataFrame(info).assign(release=db.release), mats


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of each row of p-values (over the row's tests)."""
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    m = p.shape[1]
    order = np.argsort(p, axis=1)
    ranked = np.take_along_axis(p, order, axis=1) * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[:, ::-1], axis=1)[:, ::-1]
    q = np.empty_like(p)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=1)
    return q


def match_motifs(ppms: list[np.ndarray], targets: pd.DataFrame, target_mats: list[np.ndarray], top: int = 3):
    """TOMTOM of each motif ((length, 4) frequencies) against the targets: its ``top`` matches per motif."""
    from memelite import tomtom

    if not ppms:
        return pd.DataFrame(columns=["motif", "rank", "matrix_id", "name", "p_value", "q_value", "offset", "strand"])
    p, _, offsets, _, strands = tomtom([np.asarray(m, dtype=np.float64).T for m in ppms], target_mats)
    q = bh_qvalues(p)
    rows = []
    for i in range(len(ppms)):
        for rank, j in enumerate(np.argsort(p[i])[:top], 1):
            rows.append(
                {
                    "motif": i,
                    "rank": rank,
                    "matrix_id": targets["matrix_id"].iloc[j],
                    "name": targets["name"].iloc[j],
                    "p_value": float(p[i, j]),
                    "q_value": float(q[i, j]),
                    "offset": int(offsets[i, j]),
                    "strand": "-" if strands[i, j] else "+",
                }
            )
    return pd.DataFrame(rows)


def with_seeds(targets: pd.DataFrame, mats: list[np.ndarray], seeds: list[dict]):
    """The targets plus every seed matrix (``{"matrix_id", "name", "probs"}``) they lack, named "<name> (seed)"."""
    have = set(targets["matrix_id"])
    extra = [s for s in seeds if s["matrix_id"] not in have]
    if not extra:
        return targets, mats
    rows = pd.DataFrame([{"matrix_id": s["matrix_id"], "name": f"{s['name']} (seed)"} for s in extra])
    rows["release"] = targets["release"].iloc[0] if len(targets) else ""
    return pd.concat([targets, rows], ignore_index=True), mats + [np.asarray(s["probs"], float).T for s in extra]


def seed_ranks(matches: pd.DataFrame, n_motifs: int, seeds: list[dict]) -> list[dict | None]:
    """Per learned motif, its closest seed among its TOMTOM matches (every target ranked): the
    seed's id, its rank among the targets, p and q. None for every motif when nothing was seeded.

    Rank 1 means the motif is still the seed (or closest to it of all matrices): an echo of
    the initialisation unless the unseeded model finds it too.
    """
    ids = {s["matrix_id"] for s in seeds}
    out = []
    for i in range(n_motifs):
        rows = matches[(matches["motif"] == i) & matches["matrix_id"].isin(ids)]
        if rows.empty:
            out.append(None)
            continue
        r = rows.sort_values("rank").iloc[0]
        out.append(
            {
                "matrix_id": r["matrix_id"],
                "rank": int(r["rank"]),
                "p_value": float(r["p_value"]),
                "q_value": float(r["q_value"]),
            }
        )
    return out


def compile_tomtom() -> None:
    """Compile TOMTOM's JIT code (``memelite`` caches numba's machine code beside its sources).

    Compiling costs far more than loading the cached code, so ``make setup`` calls this
    (``dreamtf warm-up``) and the workflow's first interpret job does not pay it.
    """
    targets, mats = jaspar_targets()
    ppm = np.full((8, 4), 0.1) + 0.6 * np.eye(4)[np.arange(8) % 4]
    match_motifs([ppm], targets.iloc[:30], mats[:30])  # memelite warns below 25 targets


def plot_logos(
    motifs: list[dict],
    matches: pd.DataFrame,
    target_mats: list[np.ndarray],
    targets,
    out,
    *,
    title: str,
    empty: str = "TF-MoDISco found no motif",
):
    """Each learned motif's contribution logo beside the information-content logo of its best JASPAR match.

    A motif dict may give its own ``logo`` (length, 4) heights and ``title`` instead of
    TF-MoDISco's ``cwm`` and seqlet count.
    """
    import logomaker
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .io.files import atomic_path

    n = max(1, len(motifs))
    fig, axes = plt.subplots(n, 2, figsize=(11, 1.9 * n + 0.6), squeeze=False)
    if not motifs:
        axes[0][0].text(0.5, 0.5, empty, ha="center", va="center")
    for i, m in enumerate(motifs):
        ax = axes[i][0]
        logomaker.Logo(pd.DataFrame(m.get("logo", m.get("cwm")), columns=list("ACGT")), ax=ax)
        ax.set_title(m.get("title") or f"learned motif {i + 1}: {m['seqlets']} seqlets (contribution)", fontsize=9)
        best = matches[(matches["motif"] == i) & (matches["rank"] == 1)]
        ax = axes[i][1]
        if best.empty:
            continue
        b = best.iloc[0]
        ppm = target_mats[int(targets.index[targets["matrix_id"] == b["matrix_id"]][0])].T
        if b["strand"] == "-":
            ppm = ppm[::-1, ::-1]
        ic = ppm * (2 + (ppm * np.log2(ppm)).sum(axis=1, keepdims=True))
        logomaker.Logo(pd.DataFrame(ic, columns=list("ACGT")), ax=ax)
        ax.set_title(
            f"best JASPAR match {b['matrix_id']} {b['name']} ({b['strand']}): q = {b['q_value']:.2g}", fontsize=9
        )
        ax.set_ylim(0, 2)
    for row in axes:
        for ax in row:
            ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
