"""The workflow and the code are lint-clean (snakemake --lint, snakefmt, ruff)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*cmd):
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_snakemake_lint():
    r = run("snakemake", "--lint")
    assert r.returncode == 0 and "Congratulations" in r.stdout + r.stderr, r.stdout + r.stderr


def test_snakefmt_check():
    r = run("snakefmt", "--check", "Snakefile", "rules")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff():
    r = run("ruff", "check", "scripts", "tests", "bench")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("ruff", "format", "--check", "scripts", "tests", "bench")
    assert r.returncode == 0, r.stdout + r.stderr
