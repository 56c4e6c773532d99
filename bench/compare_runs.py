"""Two runs of a finished workflow compared on the same windows: the report's paired bootstrap.

For every (TF, held-out cell) both runs scored, the auPRC difference A - B on the held-out
chromosomes and its 95 % interval from the stratified paired bootstrap the report uses
(dreamtf.compare, 1,000 resamples), then pooled over the pairs.

Usage: python bench/compare_runs.py RUN MODEL:FEATURE_SET MODEL:FEATURE_SET
"""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf import compare, config  # noqa: E402
from dreamtf.io.windowtable import read_labels, read_predictions  # noqa: E402


def main(run: Path, a: str, b: str) -> None:
    cfg = config.load_config(run / "config.yaml", config.SCHEMA_PATH)
    chroms = cfg["chromosomes"]["test"]
    scores = pd.read_csv(run / "results/scores/scores.tsv", sep="\t")
    scores["run"] = scores["model"] + ":" + scores["feature_set"]
    per_pair = {}
    for tf, cell in scores[["tf", "cell_type"]].drop_duplicates().itertuples(index=False):
        have = set(scores[(scores["tf"] == tf) & (scores["cell_type"] == cell)]["run"])
        if not {a, b} <= have:
            continue
        lab = read_labels(run / f"results/labels/{tf}.test.labels.tsv.gz", cells=[cell], chroms=chroms)
        got = {}
        for name in (a, b):
            model, fs = name.split(":")
            pred = read_predictions(run / f"results/predictions/{model}/{fs}/F.{tf}.{cell}.tab.gz", chroms=chroms,
                                    size=lab.size)  # fmt: skip
            got[name] = pred.score[pred.align(lab)]
        pair = f"{tf} / {cell}"
        per_pair[pair] = compare.compare_pair(lab.column(cell), got, a, replicates=1000, seed=1, pair=pair)
        c = per_pair[pair][b]
        print(f"{pair}: {a} - {b} = {c['difference']:+.3f} [{c['lower']:+.3f}, {c['upper']:+.3f}]")
    c = compare.pool(per_pair)[b]
    verdict = compare.verdict(c["lower"], c["upper"])
    print(f"pooled: {c['difference']:+.3f} [{c['lower']:+.3f}, {c['upper']:+.3f}]; {a} {verdict}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
