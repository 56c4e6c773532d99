"""Prediction cells and cells of your own: the config checks, the per-cell check, genome-wide windows."""

import numpy as np
import pytest
from workflow_runs import ROOT

from conftest import write_bigwig, write_narrowpeak
from dreamtf import registry
from dreamtf import release as rl
from dreamtf.config import schema, validate_config
from dreamtf.errors import DreamTFError
from dreamtf.io.windowtable import WindowTable
from dreamtf.simulate import DEFAULT_TFS
from dreamtf.windows import union_windows

SCHEMA = ROOT / "schemas" / "config.schema.yaml"
SIZES = {"chr1": 50_000, "chr2": 40_000}


def config(**extra):
    tfs = extra.pop("tfs", {"CTCF": {"train_cells": ["HepG2"], "test_cells": ["liver"], "predict_cells": ["A549"]}})
    return validate_config({"tfs": tfs, **extra}, SCHEMA, source="my.yaml")


def own(**spec):
    return {"mycell": {"signal": "a.bw", "peaks": "a.narrowPeak.gz", **spec}}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"tfs": {"CTCF": {"train_cells": ["HepG2"], "test_cells": ["liver"], "predict_cells": ["liver"]}}},
            "'tfs.CTCF': cell 'liver' is both a test and a prediction cell",
        ),
        (
            {"tfs": {"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["HepG2"]}}},
            "'tfs.CTCF': cell 'HepG2' is both a training and a prediction cell",
        ),
        ({"tfs": {"CTCF": {"train_cells": ["HepG2"]}}}, "'tfs.CTCF': no test_cells and no predict_cells"),
        (
            {"tfs": {"CTCF": {"train_cells": ["HepG2"], "test_cells": ["mycell"]}}, "cells": own()},
            "'tfs.CTCF.test_cells': 'mycell' comes from your own files (cells), which have no ChIP-seq",
        ),
        (
            {
                "tfs": {"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["mycell"]}},
                "cells": own(rnaseq=["r.tsv"]),
                "factornet": {"meta_pcs": 2},
                "feature_sets": {"dnase": ["dnase"]},
            },
            None,
        ),
        ({"cells": {"mycell": {"signal": "a.bw"}}}, "'cells.mycell': signal needs peaks"),
        ({"predict": {"chromosomes": []}}, "'predict.chromosomes'"),
    ],
)
def test_cells_config_is_checked_in_one_line(extra, message):
    if message is None:  # meta_pcs reads RNA-seq: this one has it
        config(**extra)
        return
    with pytest.raises(DreamTFError) as err:
        config(**extra)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_cell_without_rnaseq_predicts_with_feature_sets_without_expression():
    cfg = config(
        tfs={"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["mycell"]}},
        cells=own(),
        feature_sets={"dnase": ["dnase", "dnase_peaks"], "dnase_motif": ["dnase", "motif", "sequence"]},
    )
    assert cfg["cells"]["mycell"]["assay"] == "DNase-seq" and cfg["predict"]["chromosomes"] == "all"


def test_a_cell_without_rnaseq_skips_only_the_models_that_read_expression():
    cfg = config(
        tfs={"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["mycell", "A549"]}},
        cells=own(),
        models=["baseline", "catchitt", "factornet", "ensemble"],
        feature_sets={"dnase": ["dnase", "dnase_peaks"], "dnase_motif": ["dnase", "motif", "expression"]},
    )
    run = registry.models(cfg, schema())
    skips = registry.expression_skips(run, cfg, source="my.yaml")
    # catchitt with expression, and the ensemble whose member it is; for mycell only (A549 has RNA-seq)
    assert set(skips) == {("catchitt", "dnase_motif", "CTCF", "mycell"), ("ensemble", "dnase_motif", "CTCF", "mycell")}
    assert skips[("catchitt", "dnase_motif", "CTCF", "mycell")] == (
        "catchitt:dnase_motif skipped for CTCF in mycell: it reads expression, and cells.mycell has no rnaseq"
    )
    cfg["factornet"]["meta_pcs"] = 2  # FactorNet reads RNA-seq now, and so both ensembles do
    skips = registry.expression_skips(registry.models(cfg, schema()), cfg)
    assert {k[:2] for k in skips} == {
        ("catchitt", "dnase_motif"),
        ("factornet", "seq_dnase"),
        *(("ensemble", fs) for fs in ("dnase", "dnase_motif")),
    }
    only = config(
        tfs={"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["mycell"]}},
        cells=own(),
        models=["catchitt"],
        feature_sets={"dnase_motif": ["dnase", "motif", "expression"]},
    )
    with pytest.raises(DreamTFError) as err:
        registry.expression_skips(registry.models(only, schema()), only, source="my.yaml")
    assert str(err.value) == (
        "my.yaml: every model of the run reads expression, and cells.mycell has no rnaseq "
        "(tfs.CTCF.predict_cells mycell); add the cell's RNA-seq or a model or feature set without it"
    )


def test_simulated_release_cells_and_tfs_are_the_presets():
    rl.check_simulated_cells({"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["GM"]}}, DEFAULT_TFS, {"GM"})
    with pytest.raises(DreamTFError, match="'tfs.MAX': the simulated release has the TFs CTCF, FOXA1, REST"):
        rl.check_simulated_cells({"MAX": {"train_cells": ["HepG2"]}}, DEFAULT_TFS, set())
    with pytest.raises(DreamTFError, match="'tfs.FOXA1.test_cells': 'K562' is not a cell with FOXA1 ChIP-seq"):
        rl.check_simulated_cells({"FOXA1": {"train_cells": ["HepG2"], "test_cells": ["K562"]}}, DEFAULT_TFS, set())
    with pytest.raises(DreamTFError, match="'tfs.CTCF.predict_cells': 'brain' is not a cell of the simulated release"):
        rl.check_simulated_cells({"CTCF": {"train_cells": ["HepG2"], "predict_cells": ["brain"]}}, DEFAULT_TFS, set())


def test_own_cell_files_must_exist_unless_the_run_writes_them(tmp_path):
    cells = {"mycell": {"signal": str(tmp_path / "a.bw"), "peaks": {"conservative": "c.gz", "relaxed": "r.gz"}}}
    with pytest.raises(DreamTFError, match=r"'cells.mycell.signal': no file .*a\.bw"):
        rl.check_own_cells(cells, {"mycell"}, tmp_path / "release")
    rl.check_own_cells(cells, {"other"}, tmp_path / "release")  # declared, not used: not read
    inside = {"mycell": {"signal": str(tmp_path / "release" / "a.bw"), "peaks": str(tmp_path / "release" / "p")}}
    rl.check_own_cells(inside, {"mycell"}, tmp_path / "release")  # the release may still be written


def good_cell(tmp_path, name="cell"):
    bw = write_bigwig(tmp_path / f"{name}.bw", SIZES, {"chr1": [(100, 200, 2.5)], "chr2": [(0, 50, 1.0)]})
    peaks = write_narrowpeak(tmp_path / f"{name}.narrowPeak.gz", [("chr1", 100, 300, 50), ("chr2", 10, 40, 5)])
    return bw, peaks


def test_check_cell_records_a_good_cell(tmp_path):
    bw, peaks = good_cell(tmp_path)
    got = rl.check_cell("mycell", signal=bw, peaks=[peaks, peaks], sizes=SIZES, chroms=list(SIZES))
    assert got["chromosomes"] == ["chr1", "chr2"] and got["peaks"] == {str(peaks): 2}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: (write_bigwig(d / "x.bw", {"1": 50_000, "2": 40_000}, {"1": [(0, 10, 1.0)]}), None),
            "x.bw: chromosome '1' is not in g (which names chr1, chr2, ...) (the files disagree on the 'chr' prefix)",
        ),
        (
            lambda d: (write_bigwig(d / "x.bw", {"chr1": 60_000, "chr2": 40_000}, {"chr1": [(0, 10, 1.0)]}), None),
            "x.bw: chr1 is 60000 bp long but 50000 bp in g; another genome build?",
        ),
        (
            lambda d: (write_bigwig(d / "x.bw", SIZES, {"chr1": [(0, 10, 0.0)]}), None),
            "x.bw: no signal on any of chr1, chr2",
        ),
        (
            lambda d: (d.joinpath("x.bw").write_bytes(np.random.default_rng(1).bytes(4000)) and d / "x.bw", None),
            "x.bw",
        ),
        (
            lambda d: (None, write_narrowpeak(d / "p.narrowPeak.gz", [("chr3", 1, 10)])),
            "p.narrowPeak.gz: chromosome 'chr3' is not in the genome",
        ),
        (
            lambda d: (None, write_narrowpeak(d / "p.narrowPeak.gz", [])),
            "p.narrowPeak.gz: no peaks (an empty narrowPeak file)",
        ),
    ],
)
def test_a_bad_cell_is_one_line_naming_the_file(tmp_path, make, message):
    bw, peaks = good_cell(tmp_path)
    bad_bw, bad_peaks = make(tmp_path)
    with pytest.raises(DreamTFError) as err:
        rl.check_cell(
            "mycell", signal=bad_bw or bw, peaks=[bad_peaks or peaks], sizes=SIZES, chroms=list(SIZES), genome="g"
        )
    assert message in str(err.value) and "\n" not in str(err.value)


def table(chroms_starts, path="r.bed.gz"):
    chroms = list(dict.fromkeys(c for c, _ in chroms_starts))
    chrom = np.concatenate([np.full(len(s), chroms.index(c)) for c, s in chroms_starts])
    start = np.concatenate([np.asarray(s, dtype=np.int64) for _, s in chroms_starts])
    return WindowTable(path, chroms, chrom, start, 200)


def test_union_windows_tiles_the_genome_in_its_order():
    train = table([("chr2", [600, 650]), ("chr11", [600])], "train.bed.gz")
    test = table([("chr1", [600, 650, 700]), ("chr21", [600])], "test.bed.gz")
    order = ["chr1", "chr2", "chr11", "chr21", "chrX"]
    got = union_windows([train, test], chroms="all", order=order)
    assert [c for c, _ in got] == ["chr1", "chr2", "chr11", "chr21"]
    assert got[0][1].tolist() == [600, 650, 700]
    assert [c for c, _ in union_windows([train, test], chroms=["chr21", "chr2"], order=order)] == ["chr2", "chr21"]
    with pytest.raises(DreamTFError, match=r"predict.chromosomes: chrX has no window in the region files"):
        union_windows([train, test], chroms=["chrX"], order=order)
