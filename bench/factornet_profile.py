"""Where FactorNet's stretch inference spends its time (used by bench_factornet.py's `profile` step).

The stretch path (dreamtf.factornet_predict) runs, per batch of windows and per strand,
the trunk once over the stretch, the pooling in NumPy and the head (BiLSTM and dense
layers) on every window. This times each part separately, as predict_regions calls them.
"""

import time

import numpy as np

from dreamtf import factornet_predict as fp
from dreamtf.factornet_inputs import N_CODE, gather
from dreamtf.io.fasta import reverse_complement_codes


def profile_stretch(model, meta: dict, genome, dnase, regions, *, batch: int, n_batches: int = 20) -> dict:
    """Milliseconds per batch of ``batch`` windows (both strands) in each part, and each part's share.

    The first chromosome of ``regions`` is cut into stretches as predict_regions cuts it;
    the first batch, which builds the functions, is not counted.
    """
    trunk, head, _, pool, steps = fp.stretch_model(model)
    length = meta["params"]["input_length"]
    span = fp._span(regions, batch, length)
    chrom, starts = next(regions.by_chrom())
    inputs = np.asarray(starts, dtype=np.int64) - (length - regions.size) // 2
    codes, track = genome.chrom(chrom), dnase.chrom(chrom)
    spent = dict.fromkeys(["inputs", "trunk", "pooling", "head"], 0.0)
    chunks = list(fp._chunks(inputs, batch, span, length))[: n_batches + 1]
    for i, sl in enumerate(chunks):
        times = dict.fromkeys(spent, 0.0)
        t = time.perf_counter()
        a = inputs[sl]
        seq = gather(codes, a[:1], span, N_CODE)
        trk = gather(track, a[:1], span, 0)[:, :, None].astype(np.float32)
        off = a - a[0]
        rc = {"sequence": reverse_complement_codes(seq), "tracks": trk[:, ::-1]}
        times["inputs"] = time.perf_counter() - t
        for x, o in (({"sequence": seq, "tracks": trk}, off), (rc, span - off - length)):
            t = time.perf_counter()
            out = np.asarray(trunk.predict_on_batch(x))[0]
            times["trunk"] += time.perf_counter() - t
            t = time.perf_counter()
            pooled = fp._pooled(out, o, steps, pool)
            pooled = np.pad(pooled, ((0, batch - len(o)), (0, 0), (0, 0)))
            times["pooling"] += time.perf_counter() - t
            t = time.perf_counter()
            head.predict_on_batch({"pooled": pooled})
            times["head"] += time.perf_counter() - t
        if i:
            for k, v in times.items():
                spent[k] += v
    total = sum(spent.values())
    out = {f"{k}_ms": round(1000 * v / (len(chunks) - 1), 1) for k, v in spent.items()}
    out.update({f"{k}_share": round(v / total, 3) for k, v in spent.items()})
    return {**out, "batch": batch}
