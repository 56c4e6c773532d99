"""Target: labels for one cell over all hg19 training chromosomes in <= 60 s and <= 4 GB.

Uses the real CTCF peaks, chromosome sizes and DAC blacklist in ../shared/realdata,
checks the window count against the official training region set (51,676,736 windows)
and prints the U/A/B counts of each label rule (challenge, overlap, summit) side by side.

Usage: python bench/bench_labels.py [CELL ...]   (default: K562)
"""

import sys

from _util import OUT, ROOT, dreamtf, timed

REAL = ROOT.parent / "shared" / "realdata"
OFFICIAL_TRAIN_WINDOWS = 51_676_736
HELD_OUT = {"chr1", "chr8", "chr21"}


def main(cells: list[str]) -> None:
    if not REAL.is_dir():
        sys.exit(f"{REAL} not found: this benchmark needs the real challenge peaks")
    sizes = REAL / "hg19" / "hg19.autoX.chrom.sizes"
    chroms = [line.split()[0] for line in sizes.read_text().splitlines() if line.split()[0] not in HELD_OUT]
    OUT.mkdir(parents=True, exist_ok=True)
    print("cell\trule\twindows\tdiff_vs_official\tB\tA\twall_s\tpeak_rss_GB")
    from dreamtf.io.windowtable import read_labels
    from dreamtf.labels import label_counts

    for cell, rule in [(c, r) for c in cells for r in ("challenge", "overlap", "summit")]:
        peaks = REAL / "chipseq" / "CTCF"
        out = OUT / f"CTCF.{cell}.labels.tsv.gz"
        cmd = [
            dreamtf(),
            "-v",
            "labels",
            "--chrom-sizes",
            str(sizes),
            "--blacklist",
            str(REAL / "hg19" / "wgEncodeDacMapabilityConsensusExcludable.bed.gz"),
            "--chroms",
            ",".join(chroms),
            "--cell",
            cell,
            "--conservative",
            str(peaks / f"ChIPseq.{cell}.CTCF.conservative.train.narrowPeak.gz"),
            "--relaxed",
            str(peaks / f"ChIPseq.{cell}.CTCF.relaxed.narrowPeak.gz"),
            "--rule",
            rule,
            "--out",
            str(out),
        ]
        wall, rss, _ = timed(cmd)
        counts = label_counts(read_labels(out).codes)
        n = sum(counts.values())
        print(
            f"{cell}\t{rule}\t{n}\t{n - OFFICIAL_TRAIN_WINDOWS:+d}\t{counts['B']}\t{counts['A']}\t{wall:.1f}\t{rss:.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["K562"])
