"""The workflow through the SLURM profile on a real single-node cluster started here."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from slurm_cluster import Cluster, install_packages

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slurm, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    why = install_packages()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    c = Cluster(tmp_path_factory.mktemp("slurm"))
    c.start()
    yield c
    c.stop()


def job_ids() -> set[str]:
    r = subprocess.run(["squeue", "-t", "all", "-h", "-o", "%i"], capture_output=True, text=True)
    return set(r.stdout.split())


def run_profile(work: Path, cfg: Path, *extra: str) -> subprocess.CompletedProcess:
    """The workflow through profiles/slurm on the test cluster (no accounting: squeue, no account)."""
    cmd = [
        str(Path(sys.executable).with_name("snakemake")),
        "-s",
        str(ROOT / "Snakefile"),
        "-d",
        str(work),
        "--profile",
        str(ROOT / "profiles" / "slurm"),
        "--configfile",
        str(cfg),
        "--jobs",
        "4",
        "--slurm-status-command",
        "squeue",
        "--slurm-no-account",
        "--slurm-init-seconds-before-status-checks",
        "2",
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1200)


def test_gpu_requests_are_scheduled(cluster, tmp_path):
    out = tmp_path / "gpu.out"
    r = subprocess.run(
        ["sbatch", "--wait", "--gpus=1", "--mem=100", "-o", str(out), "--wrap", "echo gpus=$CUDA_VISIBLE_DEVICES"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert out.read_text().strip() == "gpus=0"


def test_workflow_runs_every_job_through_sbatch(cluster, tmp_path):
    cfg = tmp_path / "config.yaml"
    # the baseline alone: the tiny config's catchitt settings go with catchitt
    cfg.write_text(
        (ROOT / "tests" / "config.yaml")
        .read_text()
        .replace("models: [baseline, catchitt]", "models: [baseline]")
        .replace("catchitt:\n  rounds: 2\n  num_boost_round: 60\n", "")
    )
    work = tmp_path / "work"
    before = job_ids()
    r = run_profile(work, cfg, "--slurm-keep-successful-logs")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    df = pd.read_csv(work / "results/scores/scores.tsv", sep="\t")
    assert df[["model", "tf", "cell_type"]].values.tolist() == [["baseline", "CTCF", "liver"]]
    after = subprocess.run(["squeue", "-t", "all", "-h", "-o", "%i %T %k"], capture_output=True, text=True).stdout
    ours = [line.split() for line in after.splitlines() if line.split()[0] not in before]
    rules = {
        "simulate_release",
        "check_release",
        "derive_labels",
        "predict_baseline",
        "call_peaks",
        "score_predictions",
        "collect_scores",
        "plot_report",
    }
    assert all(state == "COMPLETED" for _, state, *_ in ours), ours
    submitted = {
        d.name.removeprefix("rule_").split("_wildcards")[0] for d in (work / ".snakemake" / "slurm_logs").iterdir()
    }
    assert rules <= submitted, submitted
    assert len(ours) >= 8


def test_factornet_training_job_gets_a_gpu(cluster, tmp_path):
    """The profile's gpu=1 for FactorNet reaches sbatch as a GPU request on the advertised GPU."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        (ROOT / "tests" / "config.yaml")
        .read_text()
        .replace("models: [baseline, catchitt]", "models: [baseline, catchitt, factornet]")
        + (
            "factornet:\n  epochs: 1\n  bound_per_epoch: 200\n  validation_windows: 200\n  kernels: 8\n"
            "  motif_kernels: 2\n  lstm_units: 8\n  dense_units: 16\n"
        )
    )
    work = tmp_path / "work"
    before = job_ids()
    r = run_profile(work, cfg, "--set-threads", "train_factornet=2", "--", "results/models/factornet/CTCF.keras")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (work / "results/models/factornet/CTCF.history.csv").is_file()
    jobs = subprocess.run(["scontrol", "-o", "show", "job"], capture_output=True, text=True).stdout.splitlines()
    ours = [j for j in jobs if j.split()[0].split("=")[1] not in before and "train_factornet" in j]
    assert len(ours) == 1, ours
    assert "gres/gpu=1" in ours[0] or "gpu:1" in ours[0], ours[0]
    assert "JobState=COMPLETED" in ours[0]
