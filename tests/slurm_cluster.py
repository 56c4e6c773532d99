"""A real single-node SLURM on localhost for the tests: munge, slurmctld and slurmd.

No cgroups and no accounting database: ``sacct`` does not work, so Snakemake's SLURM
plugin must query ``squeue`` (``MinJobAge`` keeps finished jobs visible to it). The
plugin's job-step helper strips ``SLURM_*`` variables, so the configuration has to sit
at ``/etc/slurm/slurm.conf``; an existing one is moved aside and put back afterwards.
A GPU is advertised for scheduling with a GRES whose device file is ``/dev/null``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
CONF_DIR = Path("/etc/slurm")


def missing_tools() -> list[str]:
    need = {"slurmctld": "/usr/sbin/slurmctld", "slurmd": "/usr/sbin/slurmd", "sbatch": "sbatch", "munged": "munged"}
    return [name for name, exe in need.items() if not shutil.which(exe) and not Path(exe).exists()]


def install_packages() -> str | None:
    """Install Debian's SLURM and munge when missing; returns why it could not, or None."""
    if not missing_tools():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "SLURM is not installed and installing it needs root and apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", *PACKAGES]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode or missing_tools():
        return f"apt-get could not install {' '.join(PACKAGES)}: {r.stderr.strip()[-300:]}"
    return None


def slurm_conf(host: str, state: Path) -> str:
    return f"""\
ClusterName=dreamtf-test
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/builtin
GresTypes=gpu
SlurmdParameters=config_overrides
MinJobAge=3600
ReturnToService=2
MpiDefault=none
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/spool
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
NodeName={host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=32000 Gres=gpu:1 State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


class Cluster:
    """Start with :meth:`start`, stop with :meth:`stop` (only the daemons it started)."""

    def __init__(self, state: Path):
        self.state = state
        self.procs: list[subprocess.Popen] = []
        self.backup: dict[Path, Path] = {}
        self.created: list[Path] = []
        self.host = socket.gethostname().split(".")[0]

    def _write_conf(self) -> None:
        CONF_DIR.mkdir(parents=True, exist_ok=True)
        for name, text in (
            ("slurm.conf", slurm_conf(self.host, self.state)),
            ("gres.conf", f"NodeName={self.host} Name=gpu File=/dev/null\n"),
        ):
            path = CONF_DIR / name
            if path.exists():
                saved = self.state / f"{name}.orig"
                shutil.copy2(path, saved)
                self.backup[path] = saved
            else:
                self.created.append(path)
            path.write_text(text)

    def _spawn(self, *cmd: str) -> None:
        log = open(self.state / f"{Path(cmd[0]).name}.out", "w")
        self.procs.append(subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT))

    def _munge_ok(self) -> bool:
        enc = subprocess.run(["munge", "-n"], capture_output=True)
        return (
            enc.returncode == 0 and subprocess.run(["unmunge"], input=enc.stdout, capture_output=True).returncode == 0
        )

    def start(self, timeout: float = 60) -> None:
        for sub in ("ctld", "spool"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        self._write_conf()
        if not self._munge_ok():
            Path("/run/munge").mkdir(parents=True, exist_ok=True)
            shutil.chown("/run/munge", "munge", "munge")
            self._spawn("runuser", "-u", "munge", "--", "/usr/sbin/munged", "-F")
            self._wait(self._munge_ok, timeout, "munged")
        self._spawn("/usr/sbin/slurmctld", "-D", "-i")
        self._wait(
            lambda: subprocess.run(["scontrol", "ping"], capture_output=True).returncode == 0, timeout, "slurmctld"
        )
        self._spawn("/usr/sbin/slurmd", "-D")

        def idle() -> bool:
            r = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
            return r.returncode == 0 and r.stdout.strip() == "idle"

        self._wait(idle, timeout, "slurmd (node idle)")

    def _wait(self, ok, timeout: float, what: str) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if ok():
                return
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                break
            time.sleep(0.5)
        logs = "\n".join(
            p.read_text()[-1500:] for p in sorted(self.state.glob("*.out")) + sorted(self.state.glob("*.log"))
        )
        self.stop()
        raise RuntimeError(f"{what} did not come up within {timeout} s:\n{logs}")

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs.clear()
        for path, saved in self.backup.items():
            shutil.copy2(saved, path)
        for path in self.created:
            path.unlink(missing_ok=True)
        self.backup.clear()
        self.created.clear()
