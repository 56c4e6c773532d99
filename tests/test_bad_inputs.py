"""Bad input: the rows of the manual's input checks (docs/checks.md), case by case.

Every case: a non-zero exit (or, where the table says so, a warning), one line that names
the file and what was expected, no traceback, and no output written.
"""

import gzip
import json
import logging
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import write_bigwig, write_fasta, write_narrowpeak
from dreamtf.cli import main
from dreamtf.errors import DreamTFError
from dreamtf.io.windowtable import write_labels, write_predictions

STARTS = np.arange(600, 600 + 50 * 400, 50)


def run(capsys, *args):
    """``dreamtf ARGS`` in this process: (exit code, stderr lines)."""
    rc = main(list(args))
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return rc, err


def one_line(rc, err, *needles):
    assert rc == 1, err
    assert len(err) == 1 and "Traceback" not in err[0], err
    for n in needles:
        assert n in err[0], err[0]


@pytest.fixture
def scoring(tmp_path):
    """Labels on chr1 and chr8 (U/A/B), a good submission, and a writer for bad ones."""
    rng = np.random.default_rng(0)
    codes = rng.choice(np.array([0, 1, 2], np.uint8), len(STARTS), p=[0.8, 0.05, 0.15])
    labels = tmp_path / "TF.labels.tsv.gz"
    write_labels(labels, ["liver"], iter([("chr1", STARTS, codes), ("chr8", STARTS, codes)]), size=200)

    def submission(rows, name="F.tab"):
        p = tmp_path / name
        p.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
        return p

    good = [("chr1", s, s + 200, 0.5) for s in STARTS] + [("chr8", s, s + 200, 0.5) for s in STARTS]
    return SimpleNamespace(labels=labels, codes=codes, submission=submission, good=good, dir=tmp_path)


def score(capsys, sc, pred, *extra):
    return run(capsys, "score", "--labels", str(sc.labels), "--cell", "liver", "--predictions", str(pred),
               "--chroms", "chr1,chr8", *extra)  # fmt: skip


# --- submissions and label files scored by `dreamtf score` --------------------------------------------


@pytest.mark.parametrize(
    "value, needle",
    [("nan", "score is not a finite number"), ("inf", "score is not a finite number"), ("NA", "F.tab"), ("", "F.tab")],
)
def test_submission_score_that_is_not_a_number(capsys, scoring, value, needle):
    rows = [list(r) for r in scoring.good]
    rows[3][3] = value
    rc, err = score(capsys, scoring, scoring.submission(rows))
    one_line(rc, err, "F.tab", needle)


def test_submission_without_chr_prefix(capsys, scoring):
    rows = [(c.removeprefix("chr"), s, e, v) for c, s, e, v in scoring.good]
    rc, err = score(capsys, scoring, scoring.submission(rows))
    one_line(rc, err, "F.tab: no prediction on chr1, chr8", "the files disagree on the 'chr' prefix")


def test_submission_of_other_chromosomes(capsys, scoring):
    rows = [("chr2", s, e, v) for _, s, e, v in scoring.good[:100]]
    rc, err = score(capsys, scoring, scoring.submission(rows))
    one_line(rc, err, "F.tab: no prediction on chr1, chr8 (it names chr2)")


def test_submission_of_100_bp_windows_against_200_bp_labels(capsys, scoring):
    rows = [(c, s, s + 100, v) for c, s, _, v in scoring.good]
    rc, err = score(capsys, scoring, scoring.submission(rows))
    one_line(rc, err, "F.tab, line 1: window 600-700 is 100 bp, expected 200 bp windows")


def test_submission_missing_or_repeating_a_window(capsys, scoring):
    rc, err = score(capsys, scoring, scoring.submission(scoring.good[1:]))
    one_line(rc, err, "F.tab: no row for window chr1:600-800", str(scoring.labels))
    rc, err = score(capsys, scoring, scoring.submission([*scoring.good, scoring.good[5]]))
    one_line(rc, err, "F.tab: window chr1:850-1050 appears twice")


@pytest.mark.parametrize("count", ["-3", "1"])
def test_bootstrap_of_fewer_than_two_subsamples(capsys, scoring, count):
    # one fold leaves every window out of its only subsample: NaN bounds, so it is refused like a negative count
    rc, err = score(capsys, scoring, scoring.submission(scoring.good), "--bootstrap", count)
    one_line(rc, err, f"bootstrap: expected 0 (no bootstrap) or a count of subsamples >= 2, got {count}")


def test_bootstrap_of_two_gives_finite_bounds(capsys, scoring):
    rng = np.random.default_rng(1)
    rows = [(c, s, e, round(float(v), 6)) for (c, s, e, _), v in zip(scoring.good, rng.random(len(scoring.good)))]
    rc = main(["score", "--labels", str(scoring.labels), "--cell", "liver", "--predictions",
               str(scoring.submission(rows)), "--chroms", "chr1,chr8", "--bootstrap", "2", "--json"])  # fmt: skip
    out = capsys.readouterr()
    assert rc == 0 and not out.err
    got = json.loads(out.out)
    assert all(np.isfinite(got[f"{m}_{b}"]) for m in ("auroc", "auprc") for b in ("lower", "upper"))


def test_submission_with_a_header_line_names_the_line(capsys, scoring, tmp_path):
    p = tmp_path / "H.tab.gz"
    write_predictions(p, iter([("chr1", STARTS, np.full(len(STARTS), 0.5))]), size=200)
    rows = gzip.open(p, "rt").read().splitlines()
    for at, line in ((0, 1), (7, 8)):
        edited = rows[:at] + ["chr\tstart\tstop\tscore"] + rows[at:]
        p.write_bytes(gzip.compress(("\n".join(edited) + "\n").encode()))
        rc, err = score(capsys, scoring, p)
        one_line(rc, err, f"H.tab.gz, line {line}: 'chr\\tstart\\tstop\\tscore' looks like a header line", "no header")


def test_scored_chromosome_without_labels(capsys, scoring):
    rc, err = run(capsys, "score", "--labels", str(scoring.labels), "--cell", "liver", "--predictions",
                  str(scoring.submission(scoring.good)), "--chroms", "chr1,chr5")  # fmt: skip
    one_line(rc, err, "TF.labels.tsv.gz: no labelled window on chr5 (scored chromosomes: chr1, chr5)")


def test_labels_without_bound_windows(capsys, scoring, tmp_path):
    lab = tmp_path / "U.labels.tsv.gz"
    zeros = np.zeros(len(STARTS), np.uint8)
    write_labels(lab, ["liver"], iter([("chr1", STARTS, zeros), ("chr8", STARTS, zeros)]), size=200)
    rc, err = run(capsys, "score", "--labels", str(lab), "--cell", "liver", "--predictions",
                  str(scoring.submission(scoring.good)), "--chroms", "chr1,chr8")  # fmt: skip
    one_line(rc, err, "U.labels.tsv.gz: no bound (B) window of liver on chr1, chr8, so its scores are undefined")


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda rows: rows.__setitem__(2, "chr1\tNA\t900\tU"), "T.labels.tsv"),
        (lambda rows: rows.__setitem__(2, "chr1\t700\t900\t"), "line 3: label '' in column 'liver'"),
        (lambda rows: rows.__setitem__(2, "chr1\t700\t900\tNA"), "line 3: label 'NA' in column 'liver'"),
        (lambda rows: rows.__setitem__(2, "chr1\t700\t800\tU"), "line 3: window 700-800 is 100 bp"),
        (lambda rows: rows.__setitem__(2, rows[1]), "window chr1:600-800 appears twice"),
        (lambda rows: rows.__setitem__(slice(1, 3), rows[2:0:-1]), "chr1:600-800 is out of order"),
        (lambda rows: rows.__setitem__(slice(1, None), []), "empty label file"),
    ],
)
def test_broken_label_file(capsys, scoring, edit, needle):
    rows = ["chr\tstart\tstop\tliver"] + [f"chr1\t{s}\t{s + 200}\t{'UAB'[c]}" for s, c in zip(STARTS, scoring.codes)]
    edit(rows)
    lab = scoring.dir / "T.labels.tsv"
    lab.write_text("\n".join(rows) + "\n")
    rc, err = run(capsys, "score", "--labels", str(lab), "--cell", "liver", "--predictions",
                  str(scoring.submission(scoring.good)), "--chroms", "chr1")  # fmt: skip
    one_line(rc, err, "T.labels.tsv", needle)


def test_truncated_gzip_submission(capsys, scoring):
    p = scoring.dir / "F.tab.gz"
    write_predictions(p, iter([("chr1", STARTS, np.ones(len(STARTS)))] * 1), size=200)
    p.write_bytes(p.read_bytes()[:-20])
    rc, err = score(capsys, scoring, p)
    one_line(rc, err, "F.tab.gz")


# --- peaks, chromosome sizes and outputs of `dreamtf labels` --------------------------------------------


@pytest.fixture
def peaks(tmp_path):
    (tmp_path / "g.sizes").write_text("chr1\t20000\nchr2\t10000\n")
    (tmp_path / "bl.bed").write_text("chr1\t5000\t5100\n")
    rel = write_narrowpeak(tmp_path / "r.narrowPeak.gz", [("chr1", 900, 1300, 200)] * 120)

    def labels(cons_rows, out=None, rel_path=rel, sizes="g.sizes"):
        cons = write_narrowpeak(tmp_path / "c.narrowPeak.gz", cons_rows) if isinstance(cons_rows, list) else cons_rows
        out = out or tmp_path / "out.tsv.gz"
        args = ["labels", "--chrom-sizes", str(tmp_path / sizes), "--blacklist", str(tmp_path / "bl.bed")]
        args += ["--chroms", "chr1", "--cell", "K562", "--conservative", str(cons), "--relaxed", str(rel_path)]
        return args + ["--out", str(out)], out

    return SimpleNamespace(dir=tmp_path, labels=labels, rel=rel)


def test_empty_peak_file(capsys, peaks):
    args, out = peaks.labels([])
    one_line(*run(capsys, *args), "c.narrowPeak.gz: no peaks (an empty narrowPeak file)")
    assert not out.exists()


def test_peaks_named_for_another_convention_or_build(capsys, peaks):
    args, out = peaks.labels([("1", 1000, 1240, 120)])
    one_line(*run(capsys, *args), "c.narrowPeak.gz: chromosome '1' is not in the genome", "'chr' prefix")
    args, out = peaks.labels([("chr1", 19_900, 20_140, 120)])
    one_line(*run(capsys, *args), "a peak on chr1 ends at 20140, past its end (20000 bp", "another genome build")
    assert not out.exists()


def test_peak_with_nan_signal(capsys, peaks):
    p = peaks.dir / "nan.narrowPeak"
    p.write_text("chr1\t1000\t1240\t.\t0\t.\tnan\t-1\t-1\t120\n")
    args, out = peaks.labels(p)
    one_line(*run(capsys, *args), "nan.narrowPeak, line 1: signalValue 'nan'; expected a finite number")


def test_few_peaks_is_a_warning(peaks):
    args, out = peaks.labels([("chr1", 1000, 1240, 120)])
    r = subprocess.run([sys.executable, "-m", "dreamtf.cli", *args], capture_output=True, text=True)
    assert r.returncode == 0 and out.exists()
    assert "WARNING" in r.stderr and "c.narrowPeak.gz: only 1 peaks" in r.stderr, r.stderr


def test_bad_chrom_sizes(capsys, peaks):
    (peaks.dir / "zero.sizes").write_text("chr1\t0\n")
    args, _ = peaks.labels([("chr1", 1000, 1240, 120)], sizes="zero.sizes")
    one_line(*run(capsys, *args), "zero.sizes, line 1: expected 'chromosome<TAB>length'")


def test_output_into_a_folder_that_cannot_be_written(capsys, peaks):
    (peaks.dir / "afile").write_text("")
    args, out = peaks.labels([("chr1", 1000, 1240, 120)], out=peaks.dir / "afile" / "out.tsv.gz")
    one_line(*run(capsys, *args), "afile: File exists")
    rc, err = run(capsys, "simulate", "--out", str(peaks.dir / "afile" / "release"))
    one_line(rc, err, "afile: File exists")


def test_full_disk_is_one_line_and_leaves_nothing(capsys, peaks, monkeypatch):
    import errno

    from dreamtf.io import tsv

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(peaks.dir / "out.tsv.gz"))

    monkeypatch.setattr(tsv.pacsv, "write_csv", full)
    args, out = peaks.labels([("chr1", 1000, 1240, 120)])
    one_line(*run(capsys, *args), "out.tsv.gz: No space left on device")
    assert not out.exists() and not list(peaks.dir.glob(".out.tsv.gz*"))


RANDOM = b"\x82" + np.random.default_rng(3).integers(0, 256, 4000, dtype=np.uint8).tobytes()


@pytest.mark.parametrize("content", [RANDOM, gzip.compress(RANDOM, mtime=0)], ids=["random", "gzipped-random"])
def test_peak_file_of_random_bytes(capsys, peaks, content):
    bad = peaks.dir / "c.narrowPeak.gz"
    bad.write_bytes(content)
    args, out = peaks.labels(bad)
    one_line(*run(capsys, *args), f"{bad}, line 1: binary data, not text; expected a narrowPeak file")
    assert not out.exists() and not list(peaks.dir.glob(".out.tsv.gz*"))
    r = subprocess.run([sys.executable, "-m", "dreamtf.cli", *args], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_score_inputs_of_random_bytes(capsys, scoring):
    bad = scoring.dir / "R.tsv.gz"
    bad.write_bytes(RANDOM)
    rc, err = run(capsys, "score", "--labels", str(bad), "--cell", "liver", "--predictions",
                  str(scoring.submission(scoring.good)), "--chroms", "chr1,chr8")  # fmt: skip
    one_line(rc, err, f"{bad}, line 1: binary data, not text; expected a label TSV")
    bad = scoring.dir / "R.tab.gz"
    bad.write_bytes(gzip.compress(RANDOM, mtime=0))
    rc, err = score(capsys, scoring, bad)
    one_line(rc, err, f"{bad}, line 1: binary data, not text; expected a predictions file")


def test_chrom_sizes_and_blacklist_of_random_bytes(capsys, peaks):
    (peaks.dir / "r.sizes").write_bytes(RANDOM)
    args, out = peaks.labels([("chr1", 1000, 1240, 120)], sizes="r.sizes")
    one_line(*run(capsys, *args), "r.sizes, line 1: binary data, not text; expected a chrom.sizes file")
    (peaks.dir / "bl.bed").write_bytes(RANDOM)
    args, out = peaks.labels([("chr1", 1000, 1240, 120)])
    one_line(*run(capsys, *args), "bl.bed, line 1: binary data, not text; expected a BED file")
    assert not out.exists()


def test_cli_errors_print_no_traceback_from_a_real_process(peaks):
    args, _ = peaks.labels([])
    r = subprocess.run([sys.executable, "-m", "dreamtf.cli", *args], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


# --- tracks, tables and release files read by the workflow ---------------------------------------------


@pytest.mark.parametrize("value", [-5.0, float("inf")])
def test_bigwig_with_negative_or_infinite_signal(tmp_path, value):
    from dreamtf.io.bigwig import BigWigTrack, check_track

    bw = write_bigwig(tmp_path / "d.bw", {"chr1": 5000}, {"chr1": [(100, 200, 2.0), (300, 350, value)]})
    with pytest.raises(DreamTFError, match=rf"d.bw: value {value} at chr1:300; expected a finite signal >= 0"):
        check_track(bw, ["chr1"])
    with BigWigTrack(bw) as t, pytest.raises(DreamTFError, match=r"d.bw: value .* at chr1:300"):
        t.values("chr1", 0, 1000)


def test_features_and_factornet_channel_refuse_negative_signal(tmp_path):
    from dreamtf.factornet_inputs import write_dnase_cache
    from dreamtf.featurestore import build_dnase

    bw = write_bigwig(tmp_path / "d.bw", {"chr1": 5000}, {"chr1": [(100, 200, 2.0), (1300, 1350, -5.0)]})
    regions = tmp_path / "r.bed"
    regions.write_text("".join(f"chr1\t{s}\t{s + 200}\n" for s in range(600, 4400, 50)))
    with pytest.raises(DreamTFError, match=r"d.bw: value -5.0 at chr1:1300"):
        build_dnase(bw, [regions], tmp_path / "f.npz", size=200)
    with pytest.raises(DreamTFError, match=r"d.bw: value -5.0 at chr1:1300"):
        write_dnase_cache(bw, tmp_path / "c.f16", tmp_path / "c.json", ["chr1"], norm="log1p")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.bw", "r.bed"]


def test_bigwig_chromosome_without_signal_is_a_warning(tmp_path, caplog):
    from dreamtf.io.bigwig import check_track

    bw = write_bigwig(tmp_path / "d.bw", {"chr1": 5000, "chr2": 5000}, {"chr1": [(100, 200, 2.0)]})
    with caplog.at_level(logging.WARNING):
        assert check_track(bw, ["chr1", "chr2"]) == {"chr1": 5000, "chr2": 5000}
    assert "d.bw: no signal on chr2" in caplog.text


def test_rnaseq_and_gtf_problems(tmp_path):
    from dreamtf.io.gtf import read_gene_tss
    from dreamtf.io.rnaseq import read_tpm

    p = tmp_path / "rna.tsv"
    p.write_text("gene_id\tTPM\nENSG1\tnan\n")
    with pytest.raises(DreamTFError, match=r"rna.tsv, line 2: TPM 'nan'; expected a finite number >= 0"):
        read_tpm([p])
    p.write_text("gene_id\tTPM\n")
    with pytest.raises(DreamTFError, match=r"rna.tsv: no genes after the header"):
        read_tpm([p])
    p.write_text("gene_id\tTPM\nENSG1.1\t3\nENSG1.2\t4\n")
    with pytest.raises(DreamTFError, match=r"rna.tsv, line 3: gene ENSG1 is listed twice"):
        read_tpm([p])
    g = tmp_path / "g.gtf"
    g.write_text("##format: gtf\n")
    with pytest.raises(DreamTFError, match=r"g.gtf: no 'gene' lines"):
        read_gene_tss(g)


@pytest.fixture
def release_files(tmp_path):
    """A minimal release for check_release: FASTA, bigWig, region files."""
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 2500, "chr2": "ACGT" * 2000})
    bw = write_bigwig(tmp_path / "d.bw", {"chr1": 10_000, "chr2": 8000}, {"chr1": [(700, 800, 3.0)]})

    def regions(name, rows):
        p = tmp_path / name
        p.write_text("".join(f"{c}\t{s}\t{s + 200}\n" for c, s in rows))
        return p

    train = regions("train.bed", [("chr2", s) for s in range(600, 7400, 50)])
    test = regions("test.bed", [("chr1", s) for s in range(600, 9400, 50)])
    return SimpleNamespace(fasta=fasta, bw=bw, train=train, test=test, regions=regions)


def check(r, **kw):
    from dreamtf.release import check_release

    args = dict(fasta=r.fasta, bigwigs={"liver": r.bw}, regions={"train": r.train, "test": r.test}, labels={},
                size=200, test_chroms=["chr1"], valid_chroms=["chr2"])  # fmt: skip
    return check_release(**{**args, **kw})


def test_release_checks(release_files):
    r = release_files
    assert check(r) == {"chr1": 10_000, "chr2": 8000}
    with pytest.raises(DreamTFError, match=r"config: chromosomes.test: chromosome 'chr5' is not in the genome"):
        check(r, test_chroms=["chr1", "chr5"])
    with pytest.raises(DreamTFError, match=r"config: chromosomes.validation names chr1, which .*train.bed has no"):
        check(r, valid_chroms=["chr1"])
    past = r.regions("past.bed", [("chr2", 7900)])
    with pytest.raises(DreamTFError, match=r"past.bed: window chr2:7900-8100 runs past the end of chr2 \(8000 bp"):
        check(r, regions={"train": past, "test": r.test})
    unsorted = r.regions("unsorted.bed", [("chr1", 650), ("chr1", 600)])
    with pytest.raises(DreamTFError, match=r"unsorted.bed: window chr1:600-800 is out of order"):
        check(r, regions={"test": unsorted}, valid_chroms=[])
    with pytest.raises(DreamTFError, match=r"train.bed, line 1: window 600-800 is 200 bp, expected 100 bp windows"):
        check(r, size=100)


def test_motif_that_is_neither_a_file_nor_a_jaspar_id():
    # a motif path that does not exist is an error, never a silent fall-back to the TF's JASPAR matrix
    from dreamtf.motifs import load_jaspar

    with pytest.raises(DreamTFError, match=r"features.motifs.CTCF: '/no/such/ctcf.meme' is neither a motif file"):
        load_jaspar("CTCF", "/no/such/ctcf.meme")


def test_region_file_with_a_missing_value(tmp_path):
    from dreamtf.io.windowtable import read_regions

    p = tmp_path / "r.bed"
    p.write_text("chr1\t600\t800\nchr1\tNA\t850\n")
    with pytest.raises(DreamTFError, match=r"r.bed, line 2: start 'NA' is not an integer; expected a region") as exc:
        read_regions(p)
    assert "\n" not in str(exc.value)
    p.write_text("chr1\t600\t800\nchr1\t650\n")
    with pytest.raises(DreamTFError, match=r"r.bed") as exc:
        read_regions(p)
    assert "\n" not in str(exc.value)


def test_fasta_with_a_repeated_record(tmp_path):
    from dreamtf.io.fasta import fasta_sizes

    fa = tmp_path / "g.fa"
    fa.write_text(">chr1\nACGT\n>chr1\nACGT\n")
    with pytest.raises(DreamTFError, match=r"g.fa: sequence 'chr1' appears twice"):
        fasta_sizes(fa)
