"""Motif learning on a finished run's files: time per TF, what was learned, and its scaling.

For each TF of the run's config: the core extended (dreamtf.motif_extension) with all its
bound windows and with 1/4 and 1/2 of them (the scaling with the number of bound
windows), and with --de-novo the CNN and TF-MoDISco too. Prints seconds, sites, the
extension's span and consensus, the core positions where bound sites differ, and where
the release planted flanking modules (`release.flank_module`), whether the extension
holds the planted module.

Usage: python bench/bench_learned_motifs.py RUN [--de-novo]
RUN is a directory where the workflow ran (its release, labels and genome codes are read).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf import config  # noqa: E402
from dreamtf import release as rl  # noqa: E402
from dreamtf.factornet_inputs import open_chromatin_mask  # noqa: E402
from dreamtf.io.fasta import GenomeCodes  # noqa: E402
from dreamtf.io.motiffile import read_motif_counts  # noqa: E402
from dreamtf.io.windowtable import read_labels  # noqa: E402
from dreamtf.motif_extension import extend_core  # noqa: E402
from dreamtf.motif_learning import consensus, learn_motifs  # noqa: E402
from dreamtf.motifs import resolve_motif  # noqa: E402


def planted(rel: Path, tf: str) -> str | None:
    path = rl.flank_modules_path(rel)
    if not path.is_file():
        return None
    return "".join("ACGT"[i] for i in read_motif_counts(path, tf)[1].argmax(axis=1))


def main(run: Path, de_novo: bool) -> None:
    cfg = config.load_config(run / "config.yaml", config.SCHEMA_PATH)
    rel = run / cfg["release"]["path"]
    held = set(cfg["chromosomes"]["test"]) | set(cfg["chromosomes"]["validation"])
    genome = GenomeCodes(run / "results/genome/genome.u8", run / "results/genome/genome.json")
    train = [c for c in genome.index if c not in held]
    p = dict(cfg["motif_learning"])
    for tf, spec in cfg["tfs"].items():
        cells = spec["train_cells"]
        labels = read_labels(rl.labels_path(rel, tf, "train"), cells=cells, chroms=train, size=cfg["windows"]["size"])
        peaks = {c: rl.dnase_peaks_path(rel, c, "relaxed") for c in cells}
        open_mask = open_chromatin_mask(labels, cells, peaks).any(axis=1)
        core = resolve_motif(tf, cfg["features"]["motifs"].get(tf))
        n_bound = int((labels.codes == 2).any(axis=1).sum())
        module = planted(rel, tf)
        print(f"{tf}: {n_bound} bound windows on {', '.join(train)}" + (f"; planted module {module}" if module else ""))
        for share in (0.25, 0.5, 1.0):
            n = max(1, int(n_bound * share))
            t = time.perf_counter()
            motif, rec = extend_core(
                genome, labels, core, open_mask, p["flank_bp"], np.random.default_rng(1), max_sites=n
            )
            dt = time.perf_counter() - t
            what = f"span {rec['span']}, {consensus(motif.probs)}" if motif is not None else rec["why_not"]
            if "differing_core_positions" in rec:
                core_at = [d["position"] for d in rec["differing_core_positions"]]
                what += f"; core positions differing {core_at} ({rec['core_strata']} score strata)"
            print(
                f"  extension, {n} bound windows: {dt:.1f} s, "
                f"{rec['bound_sites']} / {rec['unbound_sites']} sites; {what}"
            )
        if de_novo:
            t = time.perf_counter()
            motifs, _, rec = learn_motifs(tf, genome, labels, peaks, core, {**p, "de_novo": "always"}, threads=2)
            print(
                f"  extension and de novo: {time.perf_counter() - t:.0f} s; "
                + ", ".join(f"{m['id']} {m['consensus']}" for m in rec["motifs"])
            )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--de-novo", action="store_true", help="also time the CNN and TF-MoDISco")
    a = ap.parse_args()
    main(a.run, a.de_novo)
