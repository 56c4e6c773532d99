"""A simulated release whose bound sites carry a core the database gets wrong, for the workflow to learn.

Writes the demo release of the run's config (same seed, preset and TFs), except that
each TF's planted matrix departs from its JASPAR entry at the K positions JASPAR holds
least information at: there the planted matrix puts 0.85 on the base JASPAR gives the
least. The models are still given JASPAR's matrix. Point a config at the folder with
`release: {source: local, path: DIR}` and compare `dnase_motif` with
`dnase_motif_learned` (bench/compare_runs.py, or the report).

Usage: python bench/variant_release.py CONFIG DIR [--positions K]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf import config  # noqa: E402
from dreamtf.errors import DreamTFError  # noqa: E402
from dreamtf.motif_learning import information  # noqa: E402
from dreamtf.motifs import Motif, resolve_motif  # noqa: E402
from dreamtf.simrelease import write_simulated_release  # noqa: E402


def variant(core: Motif, k: int) -> tuple[Motif, dict]:
    """``core`` with its ``k`` least informative positions made strong on their least likely base."""
    bits = information(core.probs).sum(axis=1)
    changed = {int(i): int(core.probs[i].argmin()) for i in np.sort(np.argsort(bits)[:k])}
    probs = core.probs.copy()
    for i, b in changed.items():
        probs[i] = 0.05
        probs[i, b] = 0.85
    return Motif(name=core.name, matrix_id=f"{core.matrix_id}_variant", probs=probs), changed


def main(cfg_path: Path, out: Path, k: int) -> None:
    cfg = config.load_config(cfg_path, config.SCHEMA_PATH)
    rel, planted = cfg["release"], {}
    for tf in cfg["tfs"]:
        planted[tf], changed = variant(resolve_motif(tf, cfg["features"]["motifs"].get(tf)), k)
        at = ", ".join(f"{i}->{'ACGT'[b]}" for i, b in changed.items())
        print(f"{tf}: planted {planted[tf].matrix_id}, position -> base {at}")
    summary = write_simulated_release(
        out,
        seed=rel["seed"],
        preset=rel["preset"],
        tfs={tf: {key: v[key] for key in ("train_cells", "test_cells")} for tf, v in cfg["tfs"].items()},
        test_chroms=tuple(cfg["chromosomes"]["test"]),
        size=cfg["windows"]["size"],
        step=cfg["windows"]["step"],
        label_rule=cfg["labels"]["rule"],
        min_overlap=cfg["labels"]["min_overlap"],
        flank_module=rel["flank_module"],
        planted=planted,
    )
    print(summary)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--positions", type=int, default=3, help="core positions the planted matrix changes")
    a = ap.parse_args()
    try:
        main(a.config, a.out, a.positions)
    except DreamTFError as e:  # a bad config or a TF with no matrix: one line, as the workflow says it
        sys.exit(f"error: {e}")
