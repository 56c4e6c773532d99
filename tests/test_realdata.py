"""Checks at real scale on the challenge's own files in ../shared/realdata (skipped when absent)."""

import numpy as np
import pybedtools
import pytest

from conftest import REALDATA
from dreamtf.io.bed import read_bed3
from dreamtf.io.chroms import read_chrom_sizes
from dreamtf.io.narrowpeak import read_narrowpeak
from dreamtf.labels import derive_labels
from dreamtf.windows import region_starts

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not here"),
]
HG19 = REALDATA / "hg19"
OFFICIAL_TRAIN_WINDOWS = 51_676_736  # train_regions.blacklistfiltered.bed of the release


def test_grid_rule_reproduces_the_official_training_region_count():
    sizes = read_chrom_sizes(HG19 / "hg19.autoX.chrom.sizes")
    bl = read_bed3(HG19 / "wgEncodeDacMapabilityConsensusExcludable.bed.gz")
    n = sum(
        len(region_starts(length, bl.get(c), 200, 50))
        for c, length in sizes.items()
        if c not in {"chr1", "chr8", "chr21"}
    )
    assert abs(n - OFFICIAL_TRAIN_WINDOWS) <= 4


def test_real_peaks_labels_equal_a_bedtools_intersect():
    cons = read_narrowpeak(REALDATA / "chipseq/CTCF/ChIPseq.K562.CTCF.conservative.train.narrowPeak.gz")["chr22"]
    rel = read_narrowpeak(REALDATA / "chipseq/CTCF/ChIPseq.K562.CTCF.relaxed.narrowPeak.gz")["chr22"]
    sizes = read_chrom_sizes(HG19 / "hg19.autoX.chrom.sizes")
    starts = region_starts(
        sizes["chr22"], read_bed3(HG19 / "wgEncodeDacMapabilityConsensusExcludable.bed.gz")["chr22"], 200, 50
    )
    lab = derive_labels(starts, cons, rel, size=200, rule="overlap")

    def bt(rows):
        return pybedtools.BedTool("\n".join(f"chr22\t{a}\t{b}" for a, b in rows), from_string=True)

    wins = pybedtools.BedTool("\n".join(f"chr22\t{s}\t{s + 200}" for s in starts), from_string=True)
    in_rel = np.array([int(f.fields[-1]) > 0 for f in wins.intersect(bt(rel.intervals), c=True)])
    in_cons = np.array([int(f.fields[-1]) > 0 for f in wins.intersect(bt(cons.intervals), c=True)])
    expected = np.where(in_rel, np.where(in_cons, 2, 1), 0)
    assert len(lab) == len(starts) > 600_000
    assert np.array_equal(lab, expected)
    assert 0.003 < np.mean(lab == 2) < 0.05
