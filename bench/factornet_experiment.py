"""One FactorNet training run on a finished demo run's files, scored with the challenge's metric.

Train one TF's model on its training cells with the settings of `config.yaml` (the
schema's defaults for the rest) plus overrides, predict one held-out cell's windows of the
held-out chromosomes and print the auPRC (dreamtf.metrics.score: PRROC's Davis-Goadrich
interpolation, as scores.tsv) beside the training time and the validation estimate.

Usage: python bench/factornet_experiment.py RUN TF CELL ['{"negatives_per_bound": 4}']
RUN is a directory where the demo workflow (`make demo`) has run: its release, labels,
genome codes and DNase caches are read from there, nothing is written.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf import config, factornet_train  # noqa: E402
from dreamtf import release as rl  # noqa: E402
from dreamtf.factornet_predict import predict_regions  # noqa: E402
from dreamtf.io.fasta import GenomeCodes  # noqa: E402
from dreamtf.io.memmap import ChromArrays  # noqa: E402
from dreamtf.io.windowtable import read_labels  # noqa: E402
from dreamtf.metrics import score  # noqa: E402
from dreamtf.motifs import load_jaspar  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(run: Path, tf: str, cell: str, overrides: dict) -> None:
    cfg = config.load_config(ROOT / "config.yaml", config.SCHEMA_PATH)  # the demo, defaults filled in
    cells = cfg["tfs"][tf]["train_cells"]
    rel = run / cfg["release"]["path"]
    test, valid = cfg["chromosomes"]["test"], cfg["chromosomes"]["validation"]
    genome = GenomeCodes(run / "results/genome/genome.u8", run / "results/genome/genome.json")
    dnase = {
        c: ChromArrays(run / f"results/factornet/dnase/{c}.f16", run / f"results/factornet/dnase/{c}.json")
        for c in [*cells, cell]
    }
    train_chroms = [c for c in dnase[cells[0]].index if c not in set(test) | set(valid)]
    params = {**cfg["factornet"], **overrides}
    t = time.perf_counter()
    model, meta = factornet_train.train(
        genome,
        {c: dnase[c] for c in cells},
        rl.labels_path(rel, tf),
        train_chroms=train_chroms,
        valid_chroms=valid,
        size=cfg["windows"]["size"],
        threads=1,  # as the workflow's train_factornet rule: the same numbers as there
        params=params,
        dnase_peaks={c: rl.dnase_peaks_path(rel, c, "relaxed") for c in cells},
        motifs=[load_jaspar(tf)],
    )
    train_s = time.perf_counter() - t
    labels = read_labels(run / f"results/labels/{tf}.test.labels.tsv.gz", cells=[cell], chroms=test, size=200)
    batch = params["predict_batch_size"]
    pred = [s for _, _, s in predict_regions(model, meta, genome, dnase[cell], labels, cell=cell, batch=batch)]
    got = score(labels.codes[:, 0], np.concatenate(pred), bootstrap=0)
    print(
        json.dumps(
            {
                "tf": tf,
                "cell": cell,
                "overrides": overrides,
                "train_s": round(train_s),
                "epochs": meta["epochs_run"],
                "best_epoch": meta["best_epoch"],
                "valid_auprc_estimate": round(meta["valid_auprc"], 3),
                "test_auprc": round(got["auprc"], 3),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
