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
