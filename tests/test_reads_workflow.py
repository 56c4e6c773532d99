"""Cells given as reads, end to end: `dreamtf predict` with a BAM and a fragments file of three
clusters (one too sparse), on a genome alone, with the tiny run's bundle; and reads that are
bad in each way a user's can be, each stopping its job in one line with nothing left."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from workflow_runs import TINY_CONFIG, snakemake

from dreamtf.io.windowtable import read_predictions, read_regions
from dreamtf.scoring import score_files
from dreamtf.simreads import READS_PER_MB, write_simulated_bam, write_simulated_fragments

pytestmark = pytest.mark.slow

TRACK = "resources/release/DNASE/fold_coverage_wiggles/DNASE.{}.fc.signal.bigwig"
RUNS = ("baseline/dnase_max", "catchitt/dnase")


def dreamtf(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("dreamtf")), *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def reads_run(tiny_run, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("reads")
    bundle = work / "tiny.zip"
    r = dreamtf("export", str(tiny_run), str(bundle), "--config", str(TINY_CONFIG))
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(7)
    write_simulated_bam(
        tiny_run / TRACK.format("PC-3"), work / "bulk.bam", reads_per_mb=READS_PER_MB, assay="ATAC-seq", rng=rng
    )
    tracks = {
        c: str(tiny_run / TRACK.format(t)) for c, t in (("liver", "liver"), ("prostate", "PC-3"), ("few", "K562"))
    }
    write_simulated_fragments(
        tracks,
        work / "fragments.tsv.gz",
        work / "clusters.tsv",
        fragments={"liver": 280_000, "prostate": 280_000, "few": 3_000},
        barcodes=100,
        rng=rng,
    )
    ann = tiny_run / "resources/release/annotations"
    r = dreamtf(
        "predict", "--models", str(bundle), "--genome", str(ann / "hg19.genome.fa.gz"),
        "--blacklist", str(ann / "blacklist.bed.gz"), "--tf", "CTCF",
        "--cell", f"bulk={work / 'bulk.bam'}", "--assay", "bulk=ATAC-seq",
        "--cell", f"sc={work / 'fragments.tsv.gz'}", "--clusters", f"sc={work / 'clusters.tsv'}",
        "--out", str(work / "run"), "--cores", "2",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (work / "output.txt").write_text(r.stdout + r.stderr)
    return work


def test_a_bam_and_the_clusters_of_a_fragments_file_are_predicted_genome_wide(reads_run, tiny_run):
    run = reads_run / "run"
    ann = tiny_run / "resources/release/annotations"
    n_windows = sum(len(read_regions(ann / f"{s}_regions.blacklistfiltered.bed.gz")) for s in ("train", "test"))
    for model in RUNS:
        for cell in ("bulk", "sc_liver", "sc_prostate"):
            pred = read_predictions(run / f"results/predictions/{model}/F.CTCF.{cell}.tab.gz")
            assert len(pred) == n_windows
            assert (run / f"results/peaks/{model}/CTCF.{cell}.narrowPeak.gz").is_file()
            assert (run / f"results/tracks/{model}/CTCF.{cell}.bigWig").stat().st_size > 1000
        assert not (run / f"results/predictions/{model}/F.CTCF.sc_few.tab.gz").exists()
    for cell in ("bulk", "sc_liver", "sc_prostate"):
        assert (run / f"results/reads/{cell}/signal.bigwig").stat().st_size > 10_000
    out = (reads_run / "output.txt").read_text()
    assert "cell 'sc_few' (cluster 'few' of " in out and "fewer than reads.min_fragments (100,000)" in out


def test_the_report_states_each_cells_pipeline_and_warns_of_the_other(reads_run):
    summary = (reads_run / "run/results/report/summary.md").read_text()
    assert "## Accessibility pipeline" in summary
    assert "The models were trained on signal and peaks from the release's files" in summary
    assert "**Warning:** the signal and peaks of bulk, sc_liver, sc_prostate came from reads" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| sc_liver |")]
    assert len(rows) == 1 and "cluster liver | ATAC-seq | " in rows[0] and "| 100 |" in rows[0]
    assert "- cell 'sc_few' (cluster 'few'" in summary


def test_a_cluster_is_predicted_as_its_own_cell_type(reads_run, tiny_run):
    """The liver cluster's predictions find liver's binding better than the prostate cluster's do."""
    labels = tiny_run / "results/labels/CTCF.test.labels.tsv.gz"
    chroms = ["chr1", "chr8", "chr21"]
    got = {
        cell: score_files(
            labels,
            "liver",
            reads_run / f"run/results/predictions/catchitt/dnase/F.CTCF.{cell}.tab.gz",
            chroms=chroms,
            bootstrap=0,
        )["auprc"]
        for cell in ("sc_liver", "sc_prostate")
    }
    assert got["sc_liver"] > got["sc_prostate"] + 0.05, got


def write_config(work: Path, cell: str) -> Path:
    """The run's config with one more cell of its own, ``bad``, of the entry ``cell``."""
    text = (work / "config.yaml").read_text()
    cfg = work / "bad.yaml"
    cfg.write_text(text.replace("\ncells:\n", f"\ncells:\n  bad:\n    {cell}\n", 1))
    return cfg


def test_bad_reads_stop_their_job_in_one_line_with_nothing_left(reads_run, tmp_path):
    import pysam

    run = reads_run / "run"
    bulk = reads_run / "bulk.bam"
    unsorted = tmp_path / "unsorted.bam"
    with pysam.AlignmentFile(str(bulk)) as src:
        header = src.header.to_dict()
        header["HD"]["SO"] = "unsorted"
        with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
            for i, read in enumerate(src.fetch("chr21")):
                out.write(read)
                if i > 100:
                    break
    noindex = tmp_path / "noindex.bam"
    noindex.write_bytes(bulk.read_bytes())
    renamed = tmp_path / "renamed.bam"
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "1", "LN": 6_000_000}]}
    with pysam.AlignmentFile(str(renamed), "wb", header=header):
        pass
    pysam.index(str(renamed))
    lines = [f"chr1\t{1000 + i}\t{1100 + i}\tliver-{i % 100}-1\t1\n" for i in range(10)]
    malformed = tmp_path / "malformed.tsv"
    malformed.write_text("".join(lines[:4]) + "chr1\t1005\t1100\tliver-1-1\n" + "".join(lines[4:]))
    unmatched = tmp_path / "unmatched.tsv"
    unmatched.write_text("".join(line.replace("liver-", "AAAC") for line in lines))
    liver = f"clusters: {reads_run / 'clusters.tsv'}\n    cluster: liver"
    cases = {
        "unsorted.bam: not coordinate-sorted (its header says SO:unsorted)": f"bam: {unsorted}\n    assay: ATAC-seq",
        "noindex.bam: no index beside it (.bai or .csi)": f"bam: {noindex}\n    assay: ATAC-seq",
        "renamed.bam: none of its chromosomes (1, ...) is the genome's (chr1, chr2, chr8, ...)": (
            f"bam: {renamed}\n    assay: DNase-seq"
        ),
        "malformed.tsv, line 5: 4 columns, not 5": f"fragments: {malformed}\n    {liver}",
        "unmatched.tsv: none of its barcodes is in": f"fragments: {unmatched}\n    {liver}",
    }
    for message, spec in cases.items():
        r = snakemake(run, "results/reads/bad/signal.bigwig", "--configfile", str(write_config(run, spec)))
        out = r.stdout + r.stderr
        assert r.returncode != 0 and message in out, out[-3000:]
        assert "Traceback" not in out
        # a job's error is one line of its log; a fragments file is read before any job (its clusters' sizes)
        for log in (run / "logs/reads").glob("bad.*.log"):
            errors = [line for line in log.read_text().splitlines() if line.startswith("error: ")]
            assert len(errors) == 1 and message in errors[0]
            log.unlink()
        assert not (run / "results/reads/bad/cuts.bed.gz").exists()
        assert not (run / "results/reads/bad/signal.bigwig").exists()
