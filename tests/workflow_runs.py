"""Running the workflow from the tests: real Snakemake processes on a config of the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
TINY_CONFIG = ROOT / "tests" / "config.yaml"


def snakemake(workdir: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    cmd = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def local_config(tmp_path, release: Path) -> Path:
    """The tests' config reading the release folder ``release`` as it is (source local)."""
    cfg = tmp_path / "local.yaml"
    text = (ROOT / "tests" / "config.yaml").read_text()
    cfg.write_text(
        text.replace("source: simulate", "source: local").replace("path: resources/release", f"path: {release}")
    )
    return cfg


def job_counts(result: subprocess.CompletedProcess) -> dict[str, int]:
    """{rule: jobs} from the job table of a dry run (``-n --quiet rules``, or ``-n``); no ``total``."""
    counts = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def planned_jobs(result: subprocess.CompletedProcess) -> list[dict]:
    """The jobs a dry run (``-n``, without ``--quiet``) plans: one dict each, its rule, outputs and wildcards."""
    jobs = []
    for line in result.stdout.splitlines():
        if line.startswith(("rule ", "localrule ")) and line.endswith(":"):
            jobs.append({"rule": line.split()[1].rstrip(":"), "output": [], "wildcards": {}})
        elif jobs and line.startswith("    output: "):
            jobs[-1]["output"] = line.removeprefix("    output: ").split(", ")
        elif jobs and line.startswith("    wildcards: "):
            pairs = (p.split("=", 1) for p in line.removeprefix("    wildcards: ").split(", "))
            jobs[-1]["wildcards"] = dict(pairs)
    return jobs
