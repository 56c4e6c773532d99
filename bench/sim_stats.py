"""Realism statistics of a simulated release, set against the real challenge's.

Usage: python bench/sim_stats.py RELEASE_DIR

Prints the sequence composition, the DNase signal in unbound and bound windows of
every training cell, and the auPRC on the held-out chromosomes of (a) the maximum
DNase baseline and (b) a logistic regression on DNase plus the best motif score,
trained on the training cells: the simulator is only useful when (b) clearly beats (a).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from dreamtf.simcheck import release_stats  # noqa: E402

if __name__ == "__main__":
    release_stats(sys.argv[1], out=sys.stdout)
