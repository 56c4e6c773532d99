"""Helpers for the benchmarks: run a command, report wall time and peak memory of the child."""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "scripts"))
# every command a benchmark starts imports this checkout's package, not an installed one
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "scripts"), os.environ.get("PYTHONPATH")) if p)


def timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``cmd``; return (wall seconds, peak RSS of that command in GB, result).

    The command runs under a small Python parent of its own, so its peak RSS is its own,
    not the largest of every command this benchmark ran before it.
    """
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    head, _, last = r.stderr.rstrip("\n").rpartition("\n")
    r.stderr = head
    rss, cpu = last.split()
    r.cpu_seconds = float(cpu)  # user + system seconds of the command and all its children
    return wall, int(rss) / 1024**2, r


_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr)\n"
    "sys.exit(r.returncode)\n"
)


def dreamtf() -> str:
    return str(Path(sys.executable).with_name("dreamtf"))


def run_steps(script: str, release: Path, work: Path, steps: list[str]) -> None:
    """Run ``script`` (python -c) once per step in its own process; print time, peak RSS and its JSON."""
    import json

    if not release.is_dir():
        print(f"writing the bench release to {release} ...", flush=True)
        subprocess.run([dreamtf(), "simulate", "--preset", "bench", "--out", str(release)], check=True)
    work.mkdir(parents=True, exist_ok=True)
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ}
    for step in steps:
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-c", script, str(release), str(work), step],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        if r.returncode:
            sys.exit(f"{step} failed:\n{r.stderr[-3000:]}")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        info = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"{step:12s} {time.perf_counter() - t0:7.1f} s  peak RSS so far {rss:.2f} GB  {info}", flush=True)
