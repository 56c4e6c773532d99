"""Shared fixtures: tiny real files (FASTA, bigWig, narrowPeak) and small simulated releases."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pyBigWig
import pytest

from dreamtf.config import defaults

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"

#: a small genome with the challenge's chromosome names (the split works unchanged)
TINY_SIZES = {"chr1": 900_000, "chr2": 800_000, "chr8": 600_000, "chr11": 500_000, "chr21": 400_000}
TINY_TFS = {"CTCF": {"train_cells": ["HepG2", "K562"], "test_cells": ["liver"]}}


def write_narrowpeak(path: Path, rows: list[tuple]) -> Path:
    """rows: (chrom, start, end[, summit_offset[, signal]])"""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt") as fh:
        for r in rows:
            chrom, s, e = r[:3]
            off = r[3] if len(r) > 3 else -1
            sig = r[4] if len(r) > 4 else 10.0
            fh.write(f"{chrom}\t{s}\t{e}\t.\t1000\t.\t{sig}\t-1\t-1\t{off}\n")
    return path


def write_bigwig(path: Path, sizes: dict[str, int], entries: dict[str, list[tuple[int, int, float]]]) -> Path:
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(sizes.items()))
    for chrom in sizes:
        rows = entries.get(chrom, [])
        if rows:
            bw.addEntries(
                [chrom] * len(rows), [r[0] for r in rows], ends=[r[1] for r in rows], values=[float(r[2]) for r in rows]
            )
    bw.close()
    return path


#: the simulator's window and label settings: the schema's defaults, as the workflow passes them
SIM = dict(
    test_chroms=defaults("chromosomes", "test"),
    size=defaults("windows", "size"),
    step=defaults("windows", "step"),
    label_rule=defaults("labels", "rule"),
    min_overlap=defaults("labels", "min_overlap"),
)


def write_fasta(path: Path, seqs: dict[str, str]) -> Path:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt") as fh:
        for name, s in seqs.items():
            fh.write(f">{name}\n")
            for i in range(0, len(s), 60):
                fh.write(s[i : i + 60] + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory) -> Path:
    """A complete simulated release on a ~3 Mb genome with one TF (read-only for tests)."""
    from dreamtf.simrelease import write_simulated_release

    out = tmp_path_factory.mktemp("release") / "tiny"
    write_simulated_release(out, seed=7, chrom_sizes=TINY_SIZES, tfs=TINY_TFS, **SIM)
    return out


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory) -> Path:
    """The default demo release (seed 1), as `make demo` builds it."""
    from dreamtf.simrelease import write_simulated_release

    out = tmp_path_factory.mktemp("release") / "demo"
    write_simulated_release(out, seed=1, preset="demo", **SIM)
    return out


@pytest.fixture
def copy_release(tmp_path):
    def _copy(src: Path) -> Path:
        dst = tmp_path / "release"
        shutil.copytree(src, dst)
        return dst

    return _copy


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The workflow run once on tests/config.yaml (shared by every workflow test module)."""
    from workflow_runs import TINY_CONFIG, snakemake

    work = tmp_path_factory.mktemp("wf")
    r = snakemake(work, "--configfile", str(TINY_CONFIG))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return work
