"""`make demo`'s workflow, every model, from scratch: target 10 minutes after set-up on 2 cores.

Runs the default workflow (simulation included) in a temporary folder with `make demo`'s
profile (profiles/default: the greedy scheduler), then prints the wall time, the CPU use
against cores x wall time (how busy the cores were), the seconds of jobs per rule (from
Snakemake's log) and FactorNet's training times. Run it after `make setup`: the set-up
compiles TOMTOM's JIT code, which the demo's motif jobs would compile otherwise.

    python bench/bench_demo.py [CONFIG]      (default: config.yaml, the demo)
"""

import os
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from _util import ROOT, timed


def job_seconds(log: str) -> dict[str, list[float]]:
    """{rule: [seconds of each job]} from a Snakemake log: each job's start and finish stamps."""
    stamp, rule, started, per_rule = None, None, {}, defaultdict(list)
    rule_of = {}
    for line in log.splitlines():
        if m := re.match(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]", line):
            stamp = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
        elif m := re.match(r"^(?:local)?rule (\w+):", line):
            rule = m.group(1)
        elif (m := re.match(r"^\s+jobid: (\d+)", line)) and rule:
            started[m.group(1)], rule_of[m.group(1)], rule = stamp, rule, None
        elif m := re.match(r"^Finished job(?:id:)? (\d+)", line):
            if m.group(1) in started:
                per_rule[rule_of[m.group(1)]].append((stamp - started[m.group(1)]).total_seconds())
    return per_rule


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dreamtf-demo-"))
    try:
        shutil.copy(sys.argv[1] if len(sys.argv) > 1 else ROOT / "config.yaml", work / "config.yaml")
        snakemake = str(Path(sys.executable).with_name("snakemake"))
        cmd = [snakemake, "-s", str(ROOT / "Snakefile"), "-d", str(work), "--profile", str(ROOT / "profiles/default")]
        wall, rss, r = timed([*cmd, "--cores", "all"])
        print(f"demo workflow from scratch: {wall:.1f} s wall ({wall / 60:.1f} min; target 10 min)")
        print(f"peak job RSS {rss:.2f} GB")
        cores = os.cpu_count()
        print(
            f"CPU use {r.cpu_seconds:.0f} s of {cores} cores x {wall:.0f} s = "
            f"{100 * r.cpu_seconds / (cores * wall):.0f} % busy"
        )
        per_rule = job_seconds(r.stdout + r.stderr)
        total = sum(sum(v) for v in per_rule.values())
        print(f"{sum(len(v) for v in per_rule.values())} jobs, {total:.0f} s of jobs (to the second, from the log)")
        for rule, secs in sorted(per_rule.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {rule:24s} {len(secs):3d} jobs {sum(secs):6.0f} s")
        for tsv in sorted((work / "benchmarks" / "train_factornet").glob("*.tsv")):
            s = float(tsv.read_text().splitlines()[1].split("\t")[0])
            print(f"FactorNet training {tsv.stem}: {s:.0f} s (target 180 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
