"""The dreamtf command: labels and score end to end on small real files, and its errors."""

import gzip
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import write_narrowpeak
from dreamtf.cli import main
from dreamtf.io.windowtable import write_labels, write_predictions


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "dreamtf.cli", *args], capture_output=True, text=True)


@pytest.fixture
def label_inputs(tmp_path):
    (tmp_path / "g.sizes").write_text("chr1\t20000\nchr2\t10000\n")
    (tmp_path / "bl.bed").write_text("chr1\t5000\t5100\n")
    cons = write_narrowpeak(tmp_path / "c.narrowPeak.gz", [("chr1", 1000, 1240, 120), ("chr2", 3000, 3240, 100)])
    rel = write_narrowpeak(
        tmp_path / "r.narrowPeak.gz", [("chr1", 900, 1300, 200), ("chr2", 2900, 3400, 150), ("chr1", 8000, 8300, 100)]
    )
    return tmp_path, cons, rel


def test_labels_cli(label_inputs):
    d, cons, rel = label_inputs
    out = d / "out.tsv.gz"
    rc = main(
        [
            "labels",
            "--chrom-sizes",
            str(d / "g.sizes"),
            "--blacklist",
            str(d / "bl.bed"),
            "--chroms",
            "chr1,chr2",
            "--cell",
            "K562",
            "--conservative",
            str(cons),
            "--relaxed",
            str(rel),
            "--rule",
            "overlap",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    lines = gzip.open(out, "rt").read().splitlines()
    assert lines[0] == "chr\tstart\tstop\tK562"
    rows = [line.split("\t") for line in lines[1:]]
    chr1 = {int(r[1]): r[3] for r in rows if r[0] == "chr1"}
    assert min(chr1) == 600 and max(chr1) + 200 <= 20000 - 400
    assert 4850 not in chr1 and 5050 not in chr1 and 4800 in chr1  # blacklist [5000, 5100)
    assert [s for s, v in chr1.items() if v == "B"] == list(range(850, 1201, 50))
    assert chr1[7850] == "A" and chr1[700] == "U"
    # the default rule is the challenge's: B needs >= 100 bp of the 240 bp peak, A around it
    args = ["labels", "--chrom-sizes", str(d / "g.sizes"), "--blacklist", str(d / "bl.bed"), "--chroms", "chr1"]
    args += ["--cell", "K562", "--conservative", str(cons), "--relaxed", str(rel), "--out", str(out)]
    assert main(args) == 0
    rows = [line.split("\t") for line in gzip.open(out, "rt").read().splitlines()[1:]]
    assert [int(r[1]) for r in rows if r[3] == "B"] == list(range(900, 1101, 50))
    assert [int(r[1]) for r in rows if r[3] == "A"] == [750, 800, 850, 1150, 1200, 1250, *range(7850, 8251, 50)]


def test_labels_cli_chromosome_prefix_mismatch(label_inputs, capsys):
    d, cons, rel = label_inputs
    (d / "g.sizes").write_text("1\t20000\n2\t10000\n")
    out = d / "out.tsv.gz"
    rc = main(
        [
            "labels",
            "--chrom-sizes",
            str(d / "g.sizes"),
            "--blacklist",
            str(d / "bl.bed"),
            "--chroms",
            "1,2",
            "--cell",
            "K562",
            "--conservative",
            str(cons),
            "--relaxed",
            str(rel),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1
    assert "c.narrowPeak.gz: chromosome 'chr1' is not in" in err[0] and "'chr' prefix" in err[0]
    assert not out.exists() and not list(d.glob(".out.tsv.gz*"))


def _labels_and_predictions(tmp_path, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    starts = np.arange(600, 600 + 50 * n, 50)
    codes = rng.choice(np.array([0, 1, 2], dtype=np.uint8), n, p=[0.8, 0.05, 0.15])
    lab = tmp_path / "TF.labels.tsv.gz"
    write_labels(
        lab,
        ["liver"],
        iter([("chr1", starts, codes), ("chr2", starts, codes[::-1]), ("chr8", starts, codes)]),
        size=200,
    )
    scores = rng.random(n) + (codes == 2)
    pred = tmp_path / "F.TF.liver.tab.gz"
    write_predictions(pred, iter([("chr1", starts, scores), ("chr8", starts, scores)]), size=200)
    return lab, pred, codes, scores


def test_score_cli_json(tmp_path):
    from dreamtf.metrics import score

    lab, pred, codes, scores = _labels_and_predictions(tmp_path)
    r = run_cli(
        "score", "--labels", str(lab), "--cell", "liver", "--predictions", str(pred), "--chroms", "chr1,chr8", "--json"
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    metrics = ["auroc", "auprc", "recall_at_50_fdr", "recall_at_10_fdr"]
    bounds = {f"{m}_{b}" for m in metrics for b in ("lower", "upper")}
    assert set(got) == {*metrics, "n_bound", "n_unbound", *bounds}
    ref = score(np.concatenate([codes, codes]), np.round(np.concatenate([scores, scores]), 6), bootstrap=10)
    assert got["auprc"] == pytest.approx(ref["auprc"]) and got["n_bound"] == 2 * int((codes == 2).sum())
    for m in metrics:
        assert got[f"{m}_lower"] == pytest.approx(ref[f"{m}_lower"]) and got[f"{m}_upper"] == pytest.approx(
            ref[f"{m}_upper"]
        )
    # the text output prints the same keys and values, one per line
    args = ["--labels", str(lab), "--cell", "liver", "--predictions", str(pred), "--chroms", "chr1,chr8"]
    text = run_cli("score", *args)
    lines = dict(line.split("\t") for line in text.stdout.splitlines())
    assert list(lines) == list(got)
    assert all(float(lines[k]) == pytest.approx(v, abs=1e-6) for k, v in got.items())
    # without the bootstrap: no bounds
    r = run_cli("score", *args, "--json", "--bootstrap", "0")
    assert set(json.loads(r.stdout)) == {*metrics, "n_bound", "n_unbound"}


def test_score_matches_rows_by_position_not_order(tmp_path):
    lab, pred, codes, scores = _labels_and_predictions(tmp_path)
    lines = gzip.open(pred, "rt").read().splitlines()
    shuffled = tmp_path / "shuffled.tab"
    rng = np.random.default_rng(1)
    shuffled.write_text("\n".join(lines[i] for i in rng.permutation(len(lines))) + "\n")
    a = run_cli(
        "score", "--labels", str(lab), "--cell", "liver", "--predictions", str(pred), "--chroms", "chr1,chr8", "--json"
    )
    b = run_cli(
        "score",
        "--labels",
        str(lab),
        "--cell",
        "liver",
        "--predictions",
        str(shuffled),
        "--chroms",
        "chr1,chr8",
        "--json",
    )
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_score_cli_errors(tmp_path):
    lab, pred, codes, scores = _labels_and_predictions(tmp_path)
    # a labelled window without a prediction: chr21 is missing from the submission
    r = run_cli("score", "--labels", str(lab), "--cell", "liver", "--predictions", str(pred), "--chroms", "chr1,chr2")
    assert r.returncode == 1
    assert r.stderr.strip() == f"dreamtf score: error: {pred}: no row for window chr2:600-800 (listed in {lab})"
    # a scored chromosome without labels is an error, not a silently smaller benchmark
    r = run_cli("score", "--labels", str(lab), "--cell", "liver", "--predictions", str(pred))
    assert r.returncode == 1 and "no labelled window on chr21 (scored chromosomes: chr1, chr8, chr21)" in r.stderr
    bad = tmp_path / "bad.tab"
    bad.write_text("chr1\t600\t800\t0.5\nchr1\t650\t850\tabc\n")
    r = run_cli("score", "--labels", str(lab), "--cell", "liver", "--predictions", str(bad), "--chroms", "chr1,chr8")
    assert r.returncode == 1 and "bad.tab" in r.stderr and "abc" in r.stderr and len(r.stderr.splitlines()) == 1
    trunc = tmp_path / "trunc.tab.gz"
    trunc.write_bytes(pred.read_bytes()[:-100])
    r = run_cli("score", "--labels", str(lab), "--cell", "liver", "--predictions", str(trunc), "--chroms", "chr1")
    assert r.returncode == 1 and "trunc.tab.gz" in r.stderr and len(r.stderr.splitlines()) == 1
    dup = tmp_path / "dup.tab"
    dup.write_text(gzip.open(pred, "rt").read() + "chr1\t600\t800\t0.1\n")
    r = run_cli("score", "--labels", str(lab), "--cell", "liver", "--predictions", str(dup), "--chroms", "chr1,chr8")
    assert r.returncode == 1 and "window chr1:600-800 appears twice" in r.stderr
    r = run_cli("score", "--labels", str(lab), "--cell", "PC-3", "--predictions", str(pred), "--chroms", "chr1")
    assert r.returncode == 1 and "no column for cell type 'PC-3'" in r.stderr
    # 100 bp windows scored against 200 bp labels: one line naming the file, the line and the widths
    narrow = tmp_path / "narrow.tab"
    narrow.write_text("chr1\t600\t700\t0.5\nchr1\t650\t750\t0.2\n")
    r = run_cli("score", "--labels", str(lab), "--cell", "liver", "--predictions", str(narrow), "--chroms", "chr1")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    assert f"{narrow}, line 1: window 600-700 is 100 bp, expected 200 bp windows" in r.stderr


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dreamtf {version('dreamtf')}"


def test_version_without_installed_metadata_reads_pyproject(monkeypatch):
    import importlib.metadata
    import tomllib

    from conftest import ROOT
    from dreamtf import cli

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert cli.version() == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.parametrize("command", ["", "simulate", "labels", "score", "manifest", "export", "install", "warm-up"])
def test_help_shows_defaults_from_the_schema_and_no_markup(capsys, command):
    from dreamtf.config import choices, defaults

    with pytest.raises(SystemExit) as exc:
        main([command, "--help"] if command else ["--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for markup in ("``", ":data:", ":func:", ":mod:", ":class:", "(default: None)", "(default: False)"):
        assert markup not in out
    expected = {
        "simulate": [
            f"(default: {defaults('release', 'seed')})",
            f"(default: {defaults('release', 'preset')})",
            f"(default: {defaults('release', 'flank_module')})",
        ],
        "labels": [
            "{" + ",".join(choices("labels", "rule")) + "}",
            f"(default: {defaults('labels', 'rule')})",
            f"(default: {defaults('labels', 'min_overlap')})",
            f"(default: {defaults('windows', 'size')})",
            f"(default: {defaults('windows', 'step')})",
        ],
        "score": [
            f"(default: {','.join(defaults('chromosomes', 'test'))})",
            f"(default: {defaults('scoring', 'bootstrap')})",
        ],
    }.get(command, [])
    for text in expected:
        assert text in out, text


def test_parser_defaults_are_the_schemas():
    from dreamtf.cli import build_parser
    from dreamtf.config import defaults

    p = build_parser()
    score = p.parse_args(["score", "--labels", "l", "--cell", "c", "--predictions", "p"])
    assert score.chroms == ",".join(defaults("chromosomes", "test"))
    assert score.bootstrap == defaults("scoring", "bootstrap")
    labels = p.parse_args(["labels", "--chrom-sizes", "s", "--blacklist", "b", "--chroms", "chr1", "--cell", "c",
                           "--conservative", "c", "--relaxed", "r", "--out", "o"])  # fmt: skip
    assert (labels.rule, labels.min_overlap) == (defaults("labels", "rule"), defaults("labels", "min_overlap"))
    assert (labels.size, labels.step) == (defaults("windows", "size"), defaults("windows", "step"))
