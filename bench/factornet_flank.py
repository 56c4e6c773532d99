"""Does a FactorNet model use the flanking module a simulated release planted? In-silico mutagenesis.

On a finished run over a release simulated with `release.flank_module`, for each held-out
window bound in CELL whose best match of the TF's matrix carries the planted module (at
least 8 of its 10 consensus bases, 4 bp upstream of the core on the core's strand), the
model's logit with the sequence as it is, with the module's 10 bp replaced by random bases,
and with 10 bp at the same distance on the core's other side replaced instead (the
control). A model that learned the module loses clearly more logit to the first.

Usage: python bench/factornet_flank.py RUN MODEL TF CELL
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf import backends, config  # noqa: E402
from dreamtf import release as rl  # noqa: E402
from dreamtf.factornet import load  # noqa: E402
from dreamtf.io.fasta import GenomeCodes  # noqa: E402
from dreamtf.io.memmap import ChromArrays  # noqa: E402
from dreamtf.io.motiffile import read_motif_counts  # noqa: E402
from dreamtf.io.windowtable import read_labels  # noqa: E402
from dreamtf.motifs import resolve_motif  # noqa: E402
from dreamtf.simcheck import module_effect  # noqa: E402


def main(run: Path, model_name: str, tf: str, cell: str) -> None:
    cfg = config.load_config(run / "config.yaml", config.SCHEMA_PATH)
    rel = run / cfg["release"]["path"]
    backends.setup("tensorflow", gpu=False, threads=2)
    model, meta = load(run / f"results/models/{model_name}/{tf}.keras", run / f"results/models/{model_name}/{tf}.json")
    genome = GenomeCodes(run / "results/genome/genome.u8", run / "results/genome/genome.json")
    dnase = ChromArrays(run / f"results/factornet/dnase/{cell}.f16", run / f"results/factornet/dnase/{cell}.json")
    labels = read_labels(run / f"results/labels/{tf}.test.labels.tsv.gz", size=cfg["windows"]["size"])
    module = read_motif_counts(rl.flank_modules_path(rel), tf)[1].argmax(axis=1)
    core = resolve_motif(tf, cfg["features"]["motifs"].get(tf))
    out = module_effect(model, meta, genome, dnase, labels, cell, core, module, np.random.default_rng(0))
    print(
        f"{model_name} {tf} {cell}: {out['sites']} bound windows carrying the module (of {out['bound_windows']}); "
        f"logit lost scrambling the module {out['module_loss']:.3f}, the control {out['control_loss']:.3f}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), *sys.argv[2:5])
