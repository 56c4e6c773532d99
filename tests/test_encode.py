"""ENCODE files by accession, against a loopback server laid out as the portal (tests/http_server.py)."""

import hashlib
import os
from pathlib import Path

import pytest
import yaml
from http_server import add_portal_file, serve

from dreamtf.config import validate_config
from dreamtf.errors import DreamTFError
from dreamtf.io.encode import fetch_accession, fetch_url

ROOT = Path(__file__).resolve().parents[1]
PEAKS = {"file_format": "bed", "file_type": "bed narrowPeak", "output_type": "conservative IDR thresholded peaks"}
SIGNAL = {"file_format": "bigWig", "file_type": "bigWig", "output_type": "fold change over control"}


@pytest.fixture
def portal(tmp_path):
    root = tmp_path / "portal"
    data = os.urandom(40_000)
    add_portal_file(root, "ENCFF100AAA", data, "bed.gz", assay_term_name="TF ChIP-seq", **PEAKS)
    add_portal_file(root, "ENCFF101AAA", data, "bigWig", assay_term_name="ATAC-seq", **SIGNAL)
    add_portal_file(
        root, "ENCFF102AAA", data, "bed.gz", assay_term_name="TF ChIP-seq", **{**PEAKS, "assembly": "GRCh38"}
    )
    add_portal_file(root, "ENCFF103AAA", data, "bed.gz", status="revoked", **PEAKS)
    add_portal_file(root, "ENCFF104AAA", data, "bed.gz", **{**PEAKS, "md5sum": "0" * 32})
    (root / "files" / "ENCFF105AAA").mkdir(parents=True)
    (root / "files" / "ENCFF105AAA" / "index.html").write_text("<html>Not Found</html>")
    with serve(root) as srv:
        srv.data = data
        yield srv


def test_a_file_by_accession_is_checked_verified_and_kept(portal, tmp_path):
    dest = tmp_path / "rel" / "ChIPseq.liver.CTCF.conservative.train.narrowPeak.gz"
    meta = fetch_accession(portal.url, "ENCFF100AAA", dest, kind="peaks", assembly="hg19", wait=0)
    assert dest.read_bytes() == portal.data and meta["output_type"].startswith("conservative")
    fetch_accession(portal.url, "ENCFF100AAA", dest, kind="peaks", assembly="hg19", wait=0)
    assert portal.hits["files/ENCFF100AAA/@@download/ENCFF100AAA.bed.gz"] == 1  # resumed: not fetched again
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]


def test_atac_seq_is_accepted_where_dnase_is(portal, tmp_path):
    dest = tmp_path / "DNASE.liver.fc.signal.bigwig"
    fetch_accession(
        portal.url, "ENCFF101AAA", dest, kind="signal", assembly="hg19", assays=["DNase-seq", "ATAC-seq"], wait=0
    )
    assert dest.read_bytes() == portal.data


@pytest.mark.parametrize(
    "accession, kind, assays, expected",
    [
        (
            "ENCFF102AAA",
            "peaks",
            None,
            "ENCFF102AAA (conservative IDR thresholded peaks): assembly GRCh38, but release.genome is hg19",
        ),
        ("ENCFF101AAA", "peaks", None, "ENCFF101AAA (fold change over control): bigWig, expected a narrowPeak file"),
        ("ENCFF100AAA", "signal", None, "bed narrowPeak, expected a bigWig signal track"),
        ("ENCFF101AAA", "signal", ["DNase-seq"], "assay ATAC-seq, expected one of DNase-seq"),
        ("ENCFF103AAA", "peaks", None, "the portal marks it revoked; choose a released file"),
        ("ENCFF104AAA", "peaks", None, "/files/ENCFF104AAA/@@download/ENCFF104AAA.bed.gz: md5 "),
        ("ENCFF105AAA", "peaks", None, "/files/ENCFF105AAA/?format=json: not the portal's JSON for a file"),
        ("ENCFF199AAA", "peaks", None, "/files/ENCFF199AAA/?format=json: HTTP 404"),
    ],
)
def test_a_file_that_is_not_what_the_config_says_is_one_line(portal, tmp_path, accession, kind, assays, expected):
    dest = tmp_path / "dl" / "file"
    with pytest.raises(DreamTFError) as err:
        fetch_accession(portal.url, accession, dest, kind=kind, assembly="hg19", assays=assays, retries=1, wait=0)
    assert expected in str(err.value) and "\n" not in str(err.value)
    assert not dest.parent.exists() or list(dest.parent.iterdir()) == []


def test_annotation_by_url_is_checked_when_an_md5_is_given(portal, tmp_path):
    url = f"{portal.url}/files/ENCFF100AAA/@@download/ENCFF100AAA.bed.gz"
    good = hashlib.md5(portal.data).hexdigest()
    assert fetch_url(url, tmp_path / "a.bed.gz", wait=0) == good
    assert fetch_url(url, tmp_path / "b.bed.gz", good, wait=0) == good
    with pytest.raises(DreamTFError, match=f"md5 {good}, release.annotations says {'1' * 32}"):
        fetch_url(url, tmp_path / "c.bed.gz", "1" * 32, retries=0, wait=0)
    assert not (tmp_path / "c.bed.gz").exists()


def _encode_config(**changes) -> dict:
    cfg = yaml.safe_load((ROOT / "tests" / "config.yaml").read_text())
    cfg["release"] = {
        "source": "encode",
        "encode": {
            "chip": {
                "CTCF": {
                    c: {"conservative": "ENCFF100AAA", "relaxed": "ENCFF100AAB"} for c in ("HepG2", "K562", "liver")
                }
            },
            "accessibility": {
                c: {"signal": "ENCFF200AAA", "conservative": "ENCFF201AAA", "relaxed": "ENCFF202AAA"}
                for c in ("HepG2", "K562", "liver")
            },
        },
    }
    for key, value in changes.items():
        cfg["release"]["encode"][key] = value
    return cfg


def test_encode_config_needs_an_accession_for_every_file_the_run_reads():
    schema = ROOT / "schemas" / "config.schema.yaml"
    cfg = validate_config(_encode_config(), schema, source="c.yaml")
    assert cfg["release"]["encode"]["accessibility"]["liver"]["assay"] == "DNase-seq"
    assert cfg["release"]["genome"] == "hg19"
    bad = _encode_config()
    del bad["release"]["encode"]["chip"]["CTCF"]["liver"]
    with pytest.raises(DreamTFError, match=r"^c.yaml: 'release.encode.chip.CTCF.liver' is missing"):
        validate_config(bad, schema, source="c.yaml")
    bad = _encode_config()
    del bad["release"]["encode"]["accessibility"]["K562"]["relaxed"]
    with pytest.raises(DreamTFError, match=r"'release.encode.accessibility.K562' needs conservative and relaxed"):
        validate_config(bad, schema, source="c.yaml")
    bad = _encode_config()
    bad["release"]["encode"]["accessibility"]["K562"]["signal"] = "ENCSR000AAA"
    with pytest.raises(DreamTFError, match=r"'release.encode.accessibility.K562.signal': 'ENCSR000AAA' does not match"):
        validate_config(bad, schema, source="c.yaml")


def test_regions_from_a_genome_follow_the_window_rule_and_name_mismatched_files(tmp_path):
    import gzip

    from dreamtf.io.windowtable import read_regions
    from dreamtf.release import write_regions_from_genome

    fasta = tmp_path / "g.fa.gz"
    with gzip.open(fasta, "wt") as fh:
        fh.write(">chr1\n" + "ACGT" * 1000 + "\n>chr2\n" + "ACGT" * 750 + "\n>chrM\n" + "A" * 100 + "\n")
    bl = tmp_path / "bl.bed"
    bl.write_text("chr2\t1000\t1100\n")
    out = {s: tmp_path / f"{s}.bed.gz" for s in ("train", "ladder", "test")}
    kw = dict(chromosomes=["chr1", "chr2"], test_chroms=["chr1"], size=200, step=50)
    counts = write_regions_from_genome(fasta, bl, out, **kw)
    test, train = read_regions(out["test"]), read_regions(out["train"])
    # the first window starts at 600 and the last ends at or before length - 400
    assert test.start[0] == 600 and test.start[-1] + 200 <= 4000 - 400 and counts["test"] == len(test.start)
    assert list(train.chroms) == ["chr2"] and not ((train.start < 1100) & (train.start + 200 > 1000)).any()
    bl.write_text("2\t1000\t1100\n")
    with pytest.raises(DreamTFError, match=r"bl.bed: chromosome '2' is not in .*g.fa.gz .*'chr' prefix"):
        write_regions_from_genome(fasta, bl, out, **kw)
    with pytest.raises(DreamTFError, match=r"config: release.chromosomes: chromosome 'chr3' is not in the genome"):
        write_regions_from_genome(fasta, bl, out, **{**kw, "chromosomes": ["chr1", "chr3"]})


def test_an_absolute_href_and_a_portal_url_in_upper_case(portal, tmp_path):
    # URL schemes are case-insensitive: an absolute href is used as it is, whatever its case
    href = portal.url.replace("http://", "HTTP://") + "/files/ENCFF106AAA/@@download/ENCFF106AAA.bed.gz"
    add_portal_file(portal.root, "ENCFF106AAA", portal.data, "bed.gz", href=href, **PEAKS)
    dest = tmp_path / "peaks.narrowPeak.gz"
    fetch_accession(portal.url.replace("http://", "HTTP://"), "ENCFF106AAA", dest, kind="peaks", assembly="hg19",
                    wait=0)  # fmt: skip
    assert dest.read_bytes() == portal.data
    assert portal.hits["files/ENCFF106AAA/@@download/ENCFF106AAA.bed.gz"] == 1


def test_an_annotation_url_in_upper_case(portal, tmp_path):
    url = portal.url.replace("http://", "HTTP://") + "/files/ENCFF100AAA/@@download/ENCFF100AAA.bed.gz"
    digest = fetch_url(url, tmp_path / "blacklist.bed.gz", hashlib.md5(portal.data).hexdigest(), wait=0)
    assert digest == hashlib.md5(portal.data).hexdigest()


def _predicting(**extra) -> dict:
    """The encode config with a prediction cell by accession (PC-3) and one of your own (mycell)."""
    cfg = _encode_config()
    cfg["release"]["encode"]["accessibility"]["PC-3"] = {
        "assay": "ATAC-seq",
        "signal": "ENCFF300AAA",
        "conservative": "ENCFF301AAA",
        "relaxed": "ENCFF302AAA",
    }
    cfg["tfs"]["CTCF"]["predict_cells"] = ["PC-3", "mycell"]
    cfg["cells"] = {"mycell": {"signal": "my.bw", "peaks": "my.narrowPeak.gz", "rnaseq": ["my.tsv"]}}
    for cell in extra.pop("rnaseq", []):  # RNA-seq accessions of these cells
        cfg["release"]["encode"].setdefault("rnaseq", {})[cell] = ["ENCFF400AAA"]
    cfg.update(extra)
    return cfg


def test_prediction_cells_download_accessibility_only_and_cells_of_your_own_nothing():
    from dreamtf.release import encode_files

    cfg = validate_config(_predicting(), ROOT / "schemas" / "config.schema.yaml", source="c.yaml")
    assert "PC-3" not in cfg["release"]["encode"]["chip"]["CTCF"]  # no ChIP-seq asked of a prediction cell
    plan = encode_files(cfg["release"], cfg["tfs"], cfg["cells"])
    assert plan["DNASE/fold_coverage_wiggles/DNASE.PC-3.fc.signal.bigwig"] == {
        "accession": "ENCFF300AAA",
        "kind": "signal",
        "assays": ["ATAC-seq"],
    }
    assert plan["DNASE/peaks/relaxed/DNASE.PC-3.relaxed.narrowPeak.gz"]["accession"] == "ENCFF302AAA"
    assert [p for p in plan if "PC-3" in p and not p.startswith("DNASE/")] == []
    assert [p for p in plan if "mycell" in p] == []
    chip = {p for p in plan if p.startswith("ChIPseq/")}
    assert chip == {f"ChIPseq/peaks/{k}/ChIPseq.{c}.CTCF.{k}{'.train' if k == 'conservative' else ''}.narrowPeak.gz"
                    for c in ("HepG2", "K562", "liver") for k in ("conservative", "relaxed")}  # fmt: skip
    # RNA-seq by accession comes for the prediction cell too, when given
    cfg["release"]["encode"]["rnaseq"] = {"PC-3": ["ENCFF303AAA", "ENCFF304AAA"]}
    plan = encode_files(cfg["release"], cfg["tfs"], cfg["cells"])
    assert plan["RNAseq/gene_expression.PC-3.biorep2.tsv"] == {"accession": "ENCFF304AAA", "kind": "rnaseq"}


def _without(cfg: dict, *keys: str) -> dict:
    node = cfg
    for key in keys[:-1]:
        node = node[key]
    del node[keys[-1]]
    return cfg


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        (
            _without(_predicting(), "release", "encode", "accessibility", "PC-3"),
            "c.yaml: 'release.encode.accessibility.PC-3' is missing: source encode needs a DNase-seq or ATAC-seq "
            "signal bigWig accession for every cell in tfs; PC-3 is a prediction cell of CTCF: give its "
            "accessions there, or its own files in 'cells.PC-3'",
        ),
        (
            _without(_predicting(), "release", "encode", "accessibility", "PC-3", "relaxed"),
            "'release.encode.accessibility.PC-3' needs conservative and relaxed peak accessions",
        ),
        (
            _predicting(cells={"PC-3": {"signal": "pc3.bw", "peaks": "pc3.narrowPeak.gz"}}),
            "c.yaml: 'release.encode.accessibility.PC-3' and 'cells.PC-3' both give files of PC-3: a cell comes "
            "from ENCODE accessions or from your own files; drop one, or rename your own cell",
        ),
        (
            _predicting(feature_sets={"dnase_rna": ["dnase", "expression"]}, rnaseq=["HepG2", "K562", "liver"]),
            "c.yaml: 'release.encode.rnaseq.PC-3' is missing: the expression features or factornet.meta_pcs read "
            "RNA-seq; PC-3 is a prediction cell of CTCF",
        ),
        (
            # a variant of catchitt reads the feature sets as catchitt does
            _predicting(
                models=["baseline", "deep"],
                variants={"deep": {"family": "catchitt"}},
                feature_sets={"dnase_rna": ["dnase", "expression"]},
            ),
            "'release.encode.rnaseq.HepG2' is missing",
        ),
    ],
)
def test_prediction_cells_of_an_encode_release_are_checked_in_one_line(cfg, expected):
    with pytest.raises(DreamTFError) as err:
        validate_config(cfg, ROOT / "schemas" / "config.schema.yaml", source="c.yaml")
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_a_cell_of_your_own_needs_no_accession_and_rnaseq_by_accession_is_not_mixed_in():
    schema = ROOT / "schemas" / "config.schema.yaml"
    cfg = _without(_predicting(), "release", "encode", "accessibility", "PC-3")
    cfg["tfs"]["CTCF"]["predict_cells"] = ["mycell"]
    rna = {c: ["ENCFF400AAA"] for c in ("HepG2", "K562", "liver")}
    cfg["release"]["encode"]["rnaseq"] = rna
    validate_config({**cfg, "feature_sets": {"dnase_rna": ["dnase", "expression"]}}, schema, source="c.yaml")
    cfg["release"]["encode"]["rnaseq"] = {**rna, "mycell": ["ENCFF401AAA"]}
    with pytest.raises(DreamTFError, match=r"^c.yaml: 'release.encode.rnaseq.mycell' and 'cells.mycell' both give"):
        validate_config(cfg, schema, source="c.yaml")
