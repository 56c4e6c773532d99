"""Snakemake's HTML report as a product of the workflow itself (rule html_report)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .errors import DreamTFError
from .io.files import atomic_path


def write_snakemake_report(out: str, snakefile: str, configfiles: list[str], *, target: str, log: str) -> None:
    """Write ``snakemake --report`` for ``target`` to ``out``, atomically, its output in ``log``.

    Runs in the working directory of the calling workflow, with its Snakefile and config
    files, and without the working directory's lock (the calling run holds it; the report
    only reads finished results and their metadata).
    """
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        # the report plugin picks its format from the file's extension
        tmp_html = str(tmp) + ".html"
        cmd = [sys.executable, "-m", "snakemake", "-s", snakefile, "--nolock", "--cores", "1"]
        if configfiles:
            cmd += ["--configfile", *configfiles]
        cmd += ["--report", tmp_html, target]
        try:
            with open(log, "w") as fh:
                done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=os.getcwd())
            if done.returncode != 0 or not Path(tmp_html).is_file():
                raise DreamTFError(f"snakemake --report failed (exit {done.returncode}); see {log}")
            os.replace(tmp_html, tmp)
        finally:
            Path(tmp_html).unlink(missing_ok=True)
