"""`make demo`'s workflow on the embedded default config meets the acceptance criteria
(a real Snakemake run, about 8-9 min on 2 cores)."""

import json
import shutil

import pandas as pd
import pytest
from workflow_runs import ROOT, job_counts, snakemake

pytestmark = pytest.mark.slow


def test_demo_config_meets_the_acceptance_criteria(tmp_path):
    """`make demo`'s workflow: catchitt with DNase + motif beats the baseline and DNase alone, and
    factornet beats the baseline, in mean auPRC; every model has its rows in scores.tsv."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    # the demo takes 8 min 18 s on 2 cores against a target of 10 min; the timeout leaves room for a slower CI machine
    r = snakemake(tmp_path, timeout=3600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    df = pd.read_csv(tmp_path / "results/scores/scores.tsv", sep="\t")
    mean = df.groupby(["model", "feature_set"])["auprc"].mean()
    # four (TF, held-out cell) pairs; baseline, three catchitt sets, factornet, three ensembles
    assert len(df) == 4 * 8
    assert mean[("catchitt", "dnase_motif")] > mean[("baseline", "dnase_max")] + 0.1
    assert mean[("catchitt", "dnase_motif")] > mean[("catchitt", "dnase")] + 0.1
    # FactorNet's targets: at least 0.9 x catchitt with motifs in mean auPRC, above catchitt on
    # DNase alone on every pair, and at least twice the baseline where DNase alone is weak
    assert mean[("factornet", "seq_dnase")] >= 0.9 * mean[("catchitt", "dnase_motif")], mean
    pair = df.set_index(["model", "feature_set", "tf", "cell_type"])["auprc"]
    for tf, cell in df[["tf", "cell_type"]].drop_duplicates().itertuples(index=False):
        assert pair[("factornet", "seq_dnase", tf, cell)] > pair[("catchitt", "dnase", tf, cell)], (tf, cell)
    for tf in ("FOXA1", "REST"):
        assert pair[("factornet", "seq_dnase", tf, "liver")] >= 2 * pair[("baseline", "dnase_max", tf, "liver")], tf
    # the ensemble, its weights chosen on chr11 of the training cells, beats both of its
    # members with either catchitt feature set (demo: 0.850 vs 0.322 and 0.785; 0.851 vs 0.800 and 0.785)
    # the demo's release plants the JASPAR matrices themselves: the set with learned motifs
    # scores at least as well, and nothing beside the cores sets bound sites apart
    assert mean[("catchitt", "dnase_motif_learned")] >= mean[("catchitt", "dnase_motif")] - 1e-9, mean
    for tf in ("CTCF", "FOXA1", "REST"):
        learned = json.loads((tmp_path / f"results/motifs/learned/{tf}.json").read_text())
        assert learned["chromosomes_read"] == ["chr2", "chr22", "chrX"], learned  # training chromosomes only
        assert learned["motifs"] == [] and learned["extension"]["bound_sites"] >= 30, learned
        card = json.loads((tmp_path / f"results/models/catchitt/dnase_motif_learned/{tf}.HepG2.card.json").read_text())
        assert card["learned_motifs"]["learned_on"] == ["chr2", "chr22", "chrX"]
    for fs in ("dnase", "dnase_motif"):
        assert mean[("ensemble", fs)] > max(mean[("catchitt", fs)], mean[("factornet", "seq_dnase")]), fs
        for tf in ("CTCF", "FOXA1", "REST"):
            weights = json.loads((tmp_path / f"results/models/ensemble/{fs}/{tf}.json").read_text())
            assert weights["members"] == [f"catchitt/{fs}", "factornet/seq_dnase"] and weights["cells_used"] > 0
    for tf in ("CTCF", "FOXA1", "REST"):
        card = json.loads((tmp_path / f"results/models/factornet/{tf}.card.json").read_text())
        assert card["held_out_check"]["passed"] and card["chromosomes"]["early_stopping_on"] == ["chr11"]
    assert (tmp_path / "results/tracks/ensemble/dnase_motif/REST.liver.bigWig").stat().st_size > 10_000
    # calibrated peaks: catchitt with motifs reaches precision 0.9 on chr11 of the training
    # cells for every TF, and the held-out windows keep most of it (demo: 0.76-0.96 at 0.90-0.92)
    cal = pd.read_csv(tmp_path / "results/scores/calibration.tsv", sep="\t")
    assert len(cal) == 4 * 8
    motif = cal[(cal["model"] == "catchitt") & (cal["feature_set"] == "dnase_motif")]
    assert motif["threshold"].notna().all() and (motif["promised_precision"] >= 0.9).all()
    assert (motif["window_precision"] > 0.7).all(), motif
    # what FactorNet learned: its top TF-MoDISco motif is the TF's own JASPAR matrix, for
    # FOXA1 one of its forkhead family (demo: CTCF MA0139.2 q 1.7e-6, REST MA0138.3 q 1.2e-6,
    # FOXA1 its own MA0148.5 q 2.1e-4; with one motif-seeded kernel FOXN3's MA1489.1 q 0.04)
    for tf, family in (("CTCF", "CTCF"), ("REST", "REST"), ("FOXA1", "FOX")):
        summary = json.loads((tmp_path / f"results/interpret/factornet/{tf}/summary.json").read_text())
        top = summary["motifs"][0]
        assert top["name"].upper().startswith(family) and top["q_value"] < 0.05, top
        # the demo seeds kernels with that matrix: the summary says so and sets each motif beside the seed
        assert summary["kernels_seeded_with"] and "echoes_seed" in top and "seed_match" in top, summary
    # a prediction cell more trains nothing: not even FactorNet, which reads every cell's
    # RNA-seq only when it uses expression (meta_pcs)
    (tmp_path / "more.yaml").write_text(
        (ROOT / "config.yaml")
        .read_text()
        .replace("    test_cells: [liver]\n", "    test_cells: [liver]\n    predict_cells: [PC-3]\n", 1)
    )
    dry = snakemake(tmp_path, "--configfile", str(tmp_path / "more.yaml"), "-n", "--quiet", "rules")
    planned = job_counts(dry)
    assert dry.returncode == 0 and planned.get("predict_factornet") == 1, dry.stdout[-3000:] + dry.stderr[-3000:]
    assert not {"train_factornet", "train_catchitt", "simulate_release", "check_release"} & set(planned), planned
    # FactorNet's training time (target: 3 min per TF) is measured by bench/bench_demo.py, not asserted here:
    # a timed assertion fails whenever the machine is shared
