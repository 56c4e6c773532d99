"""FactorNet inference over whole chromosomes, the convolutions computed once per base.

Test windows overlap: at a 50 bp step every base lies in 20 windows' 1,000 bp inputs, so
scoring each window's input on its own repeats the convolutions (most of the network's
arithmetic) 20 times. Here the model's named parts (:func:`dreamtf.factornet.parts`),
with their own weights, are run separately:

* the **trunk** (after the input's encoding) runs once over a stretch of chromosome
  holding a batch of windows, on each strand;
* the **pooling** of a window's stretch of trunk output is read from one running maximum
  over the stretch, at the pool's width and stride, and
* the **head** scores each window.

The trunk's receptive field and the pool's width come from the parts, so the arithmetic
holds for any number of convolutions and any pool width. Dropout is the identity at
inference, so the scores equal ``model.predict`` on each window's own input (to float
rounding; ``tests/test_factornet.py`` checks). Every call has one shape (the stretch and
the batch are padded), so a compiling backend compiles the two parts once.

This is the CPU path. On a GPU each window's own input goes through the whole model:
there the convolutions cost little and the pooling, done here in NumPy on the host,
would dominate.
"""

from __future__ import annotations

import numpy as np

from .errors import DreamTFError
from .factornet import parts
from .factornet_inputs import N_CODE, chrom_inputs, gather, prefetch
from .io.fasta import reverse_complement_codes

__all__ = ["predict_regions", "stretch_model"]


def stretch_model(model):
    """(trunk, head, receptive_field, pool_width, steps) of a FactorNet model, for whole stretches.

    ``trunk``: {"sequence": (1, span) codes, "tracks": (1, span, k)} -> (1, span - receptive_field + 1,
    kernels), the model's encoding and trunk. ``head``: the model's head, {"pooled": (batch,
    steps, kernels)[, "cell_meta": (batch, n_meta)]} -> (batch, 1) logit.
    """
    import keras

    pt = parts(model)
    seq_in = keras.Input((None,), dtype="uint8", name="sequence")
    trk_in = keras.Input((None, pt.channels - 4), name="tracks")
    trunk = keras.Model([seq_in, trk_in], pt.trunk(pt.encode([seq_in, trk_in])), name="stretch_trunk")
    return trunk, pt.head, pt.receptive_field, pt.pool_width, pt.steps


def _running_max(a: np.ndarray, width: int) -> np.ndarray:
    """``out[j] = a[j : j + width].max(axis=0)`` for every j, in log2(width) vectorised steps."""
    m, p = a, 1
    while 2 * p <= width:
        m = np.maximum(m[:-p], m[p:])  # now m[j] = a[j : j + 2p].max()
        p *= 2
    return np.maximum(m[: len(m) - (width - p)], m[width - p :]) if width > p else m


def _pooled(trunk_out: np.ndarray, offsets: np.ndarray, steps: int, pool: int) -> np.ndarray:
    """Max-pooled trunk output of windows whose trunk outputs start at ``offsets``: (n, steps, kernels).

    One running maximum over the stretch serves every window: window i's step k is the
    maximum of ``pool`` positions from ``offsets[i] + pool * k``, as MaxPooling1D takes it.
    """
    return _running_max(trunk_out, pool)[offsets[:, None] + pool * np.arange(steps)]


def _span(regions, batch: int, length: int) -> int:
    """Bases of the stretch one trunk call reads: ``batch`` windows at the regions' usual spacing.

    Sized for the median gap between consecutive windows, so that on a regular grid (the
    challenge's 50 bp) a stretch holds exactly ``batch`` windows and the trunk computes no
    base for nothing; around a larger gap a stretch holds fewer. The gap counts as at most
    64 bp: sparser windows share little of the trunk, and a stretch of ``batch`` of them
    would be long.
    """
    gaps = np.diff(np.asarray(regions.start, dtype=np.int64))
    gaps = gaps[(gaps > 0) & (np.diff(np.asarray(regions.chrom)) == 0)]
    gap = int(np.clip(np.median(gaps), 1, 64)) if len(gaps) else 1
    return (batch - 1) * gap + length


def _chunks(starts: np.ndarray, batch: int, span: int, length: int):
    """Slices of ``starts`` (input starts, sorted) of at most ``batch`` windows whose inputs fit in ``span`` bp."""
    i = 0
    while i < len(starts):
        j = min(len(starts), i + batch)
        j = i + max(1, int(np.searchsorted(starts[i:j], starts[i] + span - length, side="right")))
        yield slice(i, j)
        i = j


def predict_regions(model, meta: dict, genome, dnase, regions, *, cell: str, batch: int, shared_trunk: bool = True):
    """Yield (chrom, starts, scores) for every window of ``regions`` in one cell.

    ``dnase`` is the cell's memory-mapped DNase channel, ``batch`` the windows scored per
    call. ``shared_trunk`` computes the convolutions once per base (the CPU path); without
    it each window's input goes through the whole model (the GPU path). Either way the
    next batch is gathered on a second thread while the model works on this one.
    """
    p = meta["params"]
    if regions.size != meta["window_size"]:
        raise DreamTFError(
            f"{regions.path}: windows are {regions.size} bp but the model was trained on "
            f"{meta['window_size']} bp windows"
        )
    meta_vec = (meta.get("meta_by_cell") or {}).get(cell)
    if meta.get("meta_by_cell") and meta_vec is None:
        raise DreamTFError(f"the model has no expression metadata for cell {cell!r}")
    run = _shared_trunk if shared_trunk else _per_window
    yield from run(model, genome, dnase, regions, p["input_length"], batch, meta_vec)


def _per_window(model, genome, dnase, regions, length: int, batch: int, meta_vec):
    """Each window's own input through the whole model, batches padded to one shape."""
    flank = (length - regions.size) // 2

    def batches():
        for chrom, starts in regions.by_chrom():
            for i in range(0, len(starts), batch):
                s = starts[i : i + batch]
                padded = np.pad(s, (0, batch - len(s)), mode="edge")
                x = chrom_inputs(genome, dnase, chrom, padded - flank, length)
                if meta_vec is not None:
                    x["cell_meta"] = np.tile(np.float32(meta_vec), (batch, 1))
                yield chrom, starts, i, len(s), x

    out: list[np.ndarray] = []
    for chrom, starts, i, n, x in prefetch(batches()):
        out.append(np.asarray(model.predict_on_batch(x)).ravel()[:n].astype(np.float32))
        if i + n == len(starts):
            yield chrom, starts, np.concatenate(out)
            out = []


def _shared_trunk(model, genome, dnase, regions, length: int, batch: int, meta_vec):
    """The trunk once per stretch and strand, the head once per window (see the module's text)."""
    trunk, head, field, pool, steps = stretch_model(model)
    if (length - field + 1) // pool != steps:
        raise DreamTFError(
            f"the FactorNet model reads {steps} pooled steps, but its metadata's input_length, {length} bp, "
            f"gives {(length - field + 1) // pool}: the model and its .json file do not belong together"
        )
    flank = (length - regions.size) // 2
    span = _span(regions, batch, length)
    extra = {} if meta_vec is None else {"cell_meta": np.tile(np.float32(meta_vec), (batch, 1))}

    def stretches():
        for chrom, starts in regions.by_chrom():
            codes, track = genome.chrom(chrom), dnase.chrom(chrom)
            inputs = np.asarray(starts, dtype=np.int64) - flank
            for sl in _chunks(inputs, batch, span, length):
                a = inputs[sl]
                seq = gather(codes, a[:1], span, N_CODE)
                trk = gather(track, a[:1], span, 0)[:, :, None].astype(np.float32)
                rc = {"sequence": reverse_complement_codes(seq), "tracks": trk[:, ::-1]}
                yield chrom, starts, sl, a - a[0], {"sequence": seq, "tracks": trk}, rc

    out: list[np.ndarray] = []
    for chrom, starts, sl, off, fwd, rc in prefetch(stretches()):
        n = len(off)
        scores = 0.0
        # window i's input is [off, off + length) of the stretch; on the reverse strand it starts at span - off - length
        for x, o in ((fwd, off), (rc, span - off - length)):
            t = np.asarray(trunk.predict_on_batch(x))[0]
            pooled = _pooled(t, o, steps, pool)
            pooled = np.pad(pooled, ((0, batch - n), (0, 0), (0, 0)))
            logit = np.asarray(head.predict_on_batch({"pooled": pooled, **extra}), dtype=np.float64).ravel()[:n]
            scores = scores + 1 / (1 + np.exp(-logit))
        out.append((scores / 2).astype(np.float32))
        if sl.stop == len(starts):
            yield chrom, starts, np.concatenate(out)
            out = []
