"""The report beside the challenge's published final round."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dreamtf.report import TEAMS, leaderboard_markdown, read_leaderboard

ROOT = Path(__file__).resolve().parents[1]


def test_published_figures_cover_the_challenge_config_and_give_the_published_means():
    board = read_leaderboard()
    pairs = {
        (tf, cell)
        for tf, spec in yaml.safe_load((ROOT / "challenge.yaml").read_text())["tfs"].items()
        for cell in spec["test_cells"]
    }
    assert set(zip(board["tf"], board["cell_type"])) == pairs and len(board) == 13
    # the final round's means: Guan 0.486, J-Team (Catchitt) 0.452, FactorNet 0.450
    assert np.allclose(board[TEAMS].mean().round(3).tolist(), [0.486, 0.452, 0.450])
    assert board.set_index(["tf", "cell_type"]).loc[("CTCF", "PC-3"), "FactorNet"] == 0.783


def test_leaderboard_table_puts_each_run_beside_the_teams():
    df = pd.DataFrame(
        [
            ("catchitt", "dnase_motif", "CTCF", "PC-3", 0.5),
            ("factornet", "seq_dnase", "CTCF", "PC-3", 0.7),
            ("catchitt", "dnase_motif", "REST", "liver", 0.3),
            ("factornet", "seq_dnase", "REST", "liver", 0.4),
            ("catchitt", "dnase_motif", "CTCF", "GM12878", 0.9),  # not a final-round pair
        ],
        columns=["model", "feature_set", "tf", "cell_type", "auprc"],
    )
    md = leaderboard_markdown(df, read_leaderboard()).splitlines()
    head = "| TF | cell | catchitt:dnase_motif | factornet:seq_dnase | Guan (published) | J-Team (published) |"
    assert md[0] == head + " FactorNet (published) |"
    assert md[2] == "| REST | liver | 0.300 | 0.400 | 0.398 | 0.264 | 0.412 |"
    assert md[3] == "| CTCF | PC-3 | 0.500 | 0.700 | 0.608 | 0.480 | 0.783 |"
    assert md[4].startswith("| mean | | 0.400 | 0.550 | 0.503 |") and len(md) == 5
    assert leaderboard_markdown(df[df["cell_type"] == "GM12878"], read_leaderboard()) == ""


# --- the report's lead, its figures, captions and peak lists ---

import gzip  # noqa: E402
import subprocess  # noqa: E402

import jinja2  # noqa: E402
import pytest  # noqa: E402

from dreamtf import config as dconfig  # noqa: E402
from dreamtf.io.narrowpeak import Peaks, write_narrowpeak  # noqa: E402
from dreamtf.report import CALIBRATION_COLUMNS, COLUMNS, ReportFiles, write_report  # noqa: E402
from dreamtf.report_plots import auprc_figure, calibration_figure, finish_pr, pr_axes, pr_panel, run_colors  # noqa: E402
from dreamtf.report_rank import TIE, ranking  # noqa: E402

RUNS = {"baseline:dnase_max": 0.0, "catchitt:dnase": 2.0, "catchitt:dnase_motif": 2.02}


def synthetic_run(tmp_path, n=3000):
    """Labels of one cell and three runs' predictions: two strong, nearly equal; the baseline weak."""
    rng = np.random.default_rng(0)
    codes = rng.choice(["U", "A", "B"], n, p=[0.85, 0.05, 0.10])
    starts = np.arange(n) * 50
    lab = tmp_path / "CTCF.test.labels.tsv.gz"
    with gzip.open(lab, "wt") as fh:
        fh.write("chr\tstart\tstop\tliver\n")
        fh.writelines(f"chr1\t{s}\t{s + 200}\t{c}\n" for s, c in zip(starts, codes))
    shared = rng.normal(size=n)
    runs, rows, cal = [], [], []
    for run, strength in RUNS.items():
        model, fs = run.split(":")
        score = strength * (codes == "B") + shared + 0.1 * rng.normal(size=n) + 10
        pred = tmp_path / f"{model}.{fs}.tab.gz"
        with gzip.open(pred, "wt") as fh:
            fh.writelines(f"chr1\t{s}\t{s + 200}\t{v:.6f}\n" for s, v in zip(starts, score))
        peaks = tmp_path / f"{model}.{fs}.narrowPeak.gz"
        write_narrowpeak(peaks, {} if model == "baseline" else _peaks())
        runs.append(dict(model=model, feature_set=fs, tf="CTCF", cell="liver", predictions=str(pred), peaks=str(peaks)))
        m = metrics.score(np.array([{"U": 0, "A": 1, "B": 2}[c] for c in codes]), score, bootstrap=10)
        rows.append({"model": model, "feature_set": fs, "tf": "CTCF", "cell_type": "liver", **m})
        cal.append([model, fs, "CTCF", "liver", "precision", np.nan if model == "baseline" else 11.0, 0.9] + [0.5] * 9)
    pd.DataFrame(rows)[COLUMNS].to_csv(tmp_path / "scores.tsv", sep="\t", index=False, float_format="%.6f")
    pd.DataFrame(cal, columns=CALIBRATION_COLUMNS).to_csv(tmp_path / "calibration.tsv", sep="\t", index=False)
    return runs, lab


def _peaks():
    one = Peaks(np.array([100]), np.array([300]), np.array([200]), np.array([11.5]))
    return {"chr1": one}


from dreamtf import metrics  # noqa: E402


def test_the_report_leads_with_the_ranked_table_and_says_which_runs_cannot_be_told_apart(tmp_path):
    runs, lab = synthetic_run(tmp_path)
    out = ReportFiles(*(tmp_path / f for f in ("summary.md", "auprc.png", "curves.png", "cal.png")))
    write_report(
        tmp_path / "scores.tsv",
        runs=runs,
        labels={"CTCF": lab},
        chroms=["chr1"],
        out=out,
        calibration=tmp_path / "calibration.tsv",
        baseline="baseline:dnase_max",
        paired={"replicates": 200, "seed": 0},
        feature_sets={"dnase": ["dnase", "dnase_peaks"], "dnase_motif": ["dnase", "motif"]},
    )
    md = (tmp_path / "summary.md").read_text()
    scores = pd.read_csv(tmp_path / "scores.tsv", sep="\t").assign(run=lambda d: d.model + ":" + d.feature_set)
    rank = ranking(scores, "baseline:dnase_max")
    best = rank["run"].iloc[0]
    lead = md.split("## Which model wins")[1].split("\n## ")[0]
    assert md.index("## Which model wins") < md.index("## Scores per TF and cell")
    table = [line for line in lead.splitlines() if line.startswith("| 1 ")]
    assert table[0].startswith(f"| 1 | {best} | {rank['auprc'].iloc[0]:.3f} | +0.000 |")
    # the two strong runs are nearly equal: they cannot be told apart; the baseline is worse
    assert {best, "catchitt:dnase"} == {"catchitt:dnase", "catchitt:dnase_motif"}
    assert TIE in lead and f"worse than {best}" in lead
    base = rank.set_index("run").loc["baseline:dnase_max"]
    assert f"| baseline:dnase_max | {base.auprc:.3f} | {base.vs_best:+.3f} | +0.000 |" in lead
    assert "Not shown: this run's release is simulated" in md
    assert "feature groups dnase, dnase_peaks" in md and "maximum DNase signal over the cell's mean" in md
    assert "0: empty, no threshold reaches precision 0.9" in md


def test_a_run_that_only_predicts_reports_its_cells_what_it_skipped_and_why(tmp_path):
    """No scored cell: no score section, the figures say why they are empty, and the prediction
    cells, the skipped predictions (with the reason) and the single peak files are listed."""
    pd.DataFrame(columns=COLUMNS).to_csv(tmp_path / "scores.tsv", sep="\t", index=False)
    pd.DataFrame(columns=CALIBRATION_COLUMNS).to_csv(tmp_path / "calibration.tsv", sep="\t", index=False)
    peaks = tmp_path / "p.narrowPeak.gz"
    write_narrowpeak(peaks, _peaks())
    predicted = [
        dict(model="catchitt", feature_set="dnase", tf="CTCF", cell="mycell", peaks=str(peaks), track="t.bigWig")
    ]
    why = "catchitt:dnase_motif skipped for CTCF in mycell: it reads expression, and cells.mycell has no rnaseq"
    skipped = [dict(model="catchitt", feature_set="dnase_motif", tf="CTCF", cell="mycell", why=why)]
    out = ReportFiles(*(tmp_path / f for f in ("summary.md", "auprc.png", "curves.png", "cal.png")))
    write_report(
        tmp_path / "scores.tsv",
        runs=[],
        labels={},
        chroms=["chr1"],
        out=out,
        calibration=tmp_path / "calibration.tsv",
        predicted=predicted,
        skipped=skipped,
        single_peaks={"mycell": "mine.narrowPeak"},
        feature_sets={"dnase": ["dnase", "dnase_peaks"]},
    )
    md = (tmp_path / "summary.md").read_text()
    assert "No held-out cell was scored in this run" in md
    assert "## Which model wins" not in md and "## Scores per TF" not in md and "## Peak calibration" not in md
    assert f"| CTCF | mycell | catchitt:dnase | 1 | `{peaks}` | `t.bigWig` |" in md
    assert f"| CTCF | mycell | catchitt:dnase_motif | {why} |" in md
    assert "| mycell | `mine.narrowPeak` |" in md and "stood in for both sets" in md
    assert "| catchitt:dnase | feature groups dnase, dnase_peaks |" in md
    for f in ("auprc.png", "curves.png", "cal.png"):
        assert (tmp_path / f).stat().st_size > 1000


def test_training_curves_take_colours_without_any_score(tmp_path):
    from dreamtf.report import write_training_plot

    pd.DataFrame(columns=COLUMNS).to_csv(tmp_path / "scores.tsv", sep="\t", index=False)
    (tmp_path / "h.csv").write_text("epoch,auprc,loss,val_auprc,val_loss\n0,0.2,0.5,0.3,0.4\n1,0.3,0.4,0.35,0.38\n")
    (tmp_path / "m.json").write_text('{"best_epoch": 2, "epochs_run": 2}')
    entry = dict(model="factornet", feature_set="seq_dnase", tf="CTCF", history=str(tmp_path / "h.csv"))
    write_training_plot(tmp_path / "scores.tsv", [dict(entry, meta=str(tmp_path / "m.json"))], tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 5000


def _overlaps(a, b):
    return not (a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0)


def _legend_clear(fig):
    fig.canvas.draw()
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends
    for leg in legends:
        box = leg.get_window_extent()
        for ax in fig.axes:
            if ax.get_visible() and ax.axison:
                assert not _overlaps(box, ax.get_window_extent()), "a legend covers an axes"


def test_no_legend_covers_data():
    pairs = ["FOXA1 / liver", "REST / liver"]
    names = [f"run{i}" for i in range(6)]
    df = pd.DataFrame(
        [(n, p, 0.5, 0.45, 0.55) for n in names for p in pairs],
        columns=["run", "pair", "auprc", "auprc_lower", "auprc_upper"],
    )
    colors = run_colors(names)
    _legend_clear(auprc_figure(df, pairs, colors))
    fig, axes = pr_axes(2)
    codes = np.array([0, 2, 0, 2, 1, 0])
    for k, p in enumerate(pairs):
        pr_panel(axes.flat[k], p, codes, {n: np.arange(6.0) + i for i, n in enumerate(names)}, colors)
    _legend_clear(finish_pr(fig, axes, 2))
    cal = pd.DataFrame(
        [["m", "fs", "CTCF", "liver", "precision", np.nan, 0.9] + [0.5] * 9], columns=CALIBRATION_COLUMNS
    )
    _legend_clear(calibration_figure(cal))


def test_captions_read_as_prose():
    cfg = dconfig.merge_config(dconfig.defaults(), yaml.safe_load((ROOT / "tests" / "config.yaml").read_text()))
    cfg["chromosomes"] = {"validation": ["chr11"], "test": ["chr1", "chr8"]}
    snake = {"config": cfg, "wildcards": {"model": "m", "feature_set": "fs", "tf": "CTCF", "cell": "liver"}}
    for rst in (ROOT / "report").glob("*.rst"):
        text = jinja2.Template(rst.read_text()).render(snakemake=_Obj(snake))
        assert "['" not in text and "{'" not in text, rst.name


class _Obj:
    def __init__(self, d):
        self.__dict__.update({k: _Obj(v) if k == "wildcards" else v for k, v in d.items()})


def test_peak_lists_sort_for_bedtools_sorted_and_name_their_run(tmp_path):
    bedtools = pytest.importorskip("shutil").which("bedtools")
    if bedtools is None:
        pytest.skip("bedtools is not installed")
    peaks = {
        c: Peaks(np.array([500, 100]), np.array([700, 300]), np.array([600, 200]), np.array([1.0, 2.0]))
        for c in ("chr2", "chr10", "chr1", "chrX")
    }
    ours = tmp_path / "ours.narrowPeak"
    write_narrowpeak(ours, peaks, name_prefix="catchitt:dnase:CTCF:liver")
    rows = [line.split("\t") for line in ours.read_text().splitlines()]
    assert [r[0] for r in rows[::2]] == ["chr1", "chr10", "chr2", "chrX"]
    assert rows[0][3] == "catchitt:dnase:CTCF:liver:1" and rows[-1][3] == "catchitt:dnase:CTCF:liver:8"
    c_sorted = subprocess.run(
        ["sort", "-k1,1", "-k2,2n", str(ours)], capture_output=True, text=True, env={"LC_ALL": "C"}, check=True
    ).stdout
    assert c_sorted == ours.read_text()
    other = tmp_path / "other.bed"
    other.write_text("chr1\t150\t160\nchr10\t550\t560\nchr2\t0\t10\nchrX\t650\t660\n")
    r = subprocess.run(
        [bedtools, "intersect", "-sorted", "-u", "-a", str(ours), "-b", str(other)], capture_output=True, text=True
    )
    assert r.returncode == 0 and "ERROR" not in r.stderr, r.stderr
    assert [line.split("\t")[3].rsplit(":", 1)[1] for line in r.stdout.splitlines()] == ["1", "4", "8"]
    # the natural order (chr2 before chr10) is what bedtools -sorted refuses without a genome file
    natural = tmp_path / "natural.bed"
    natural.write_text("chr1\t150\t160\nchr2\t0\t10\nchr10\t550\t560\n")
    bad = subprocess.run(
        [bedtools, "intersect", "-sorted", "-a", str(natural), "-b", str(other)], capture_output=True, text=True
    )
    assert bad.returncode != 0 or "ERROR" in bad.stderr


def test_what_was_learned_sets_learning_apart_from_the_seed(tmp_path):
    import json

    from dreamtf.report_models import learned_markdown

    ext = {
        "id": "CTCF_extended",
        "consensus": "CTCCTGATATtaaaGCCACCAGGGGGCGC",
        "best_matches": [{"matrix_id": "MA0139.2", "name": "CTCF", "q_value": 1e-9}],
        "database_matrix": {"matrix_id": "MA0139.2", "rank": 1},
    }
    record = {
        "motifs": [ext],
        "extension": {"differing_positions": [{}] * 10, "bound_sites": 243, "unbound_sites": 225},
    }
    (tmp_path / "CTCF.json").write_text(json.dumps(record))
    (tmp_path / "REST.json").write_text(
        json.dumps({"motifs": [], "extension": {"why_not": "no position, in the flanks or the core, differs"}})
    )
    summary = {
        "kernels_seeded_with": ["MA0139.2"],
        "motifs": [
            {
                "motif": "factornet_CTCF_1",
                "length": 19,
                "matrix_id": "MA0139.2",
                "name": "CTCF",
                "q_value": 2e-6,
                "seed_match": {"rank": 1},
                "echoes_seed": True,
            },
        ],
    }
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    md = learned_markdown(
        [{"tf": "CTCF", "path": tmp_path / "CTCF.json"}, {"tf": "REST", "path": tmp_path / "REST.json"}],
        [{"tf": "CTCF", "model": "factornet", "path": tmp_path / "summary.json"}],
    )
    lines = md.splitlines()
    assert len(lines) == 5
    assert "| CTCF | learned | CTCF_extended | CTCCTGATAT" in lines[2] and "10 flank positions (243 bound" in lines[2]
    assert lines[3].startswith("| REST | learned | none |") and "no position, in the flanks or the core" in lines[3]
    assert "kernels seeded with MA0139.2: echoes the seed" in lines[4] and "| 1 |" in lines[4]
    assert learned_markdown([], []) == ""
    # a core the bound sites prefer otherwise than the database matrix says so
    record["extension"].update(differing_positions=[], differing_core_positions=[{}] * 3)
    (tmp_path / "CTCF.json").write_text(json.dumps(record))
    md = learned_markdown([{"tf": "CTCF", "path": tmp_path / "CTCF.json"}], [])
    assert "| 3 core positions relearned (243 bound" in md
