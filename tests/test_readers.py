"""Every reader of dreamtf.io given a file whose content is not what its name says.

Random bytes, gzip-compressed random bytes, a gzip header over garbage, NUL bytes and a
binary file under a text name: each reader raises one DreamTFError line naming the file,
the line where it applies and what was expected; none raises UnicodeDecodeError,
IndexError or another traceback.
"""

from __future__ import annotations

import gzip
import logging

import numpy as np
import pytest

from conftest import write_bigwig, write_fasta
from dreamtf.errors import DreamTFError
from dreamtf.io import bed, bigwig, chroms, fasta, gtf, manifest, motiffile, narrowpeak, rnaseq, scorefile, synapse
from dreamtf.io import windowtable as wt

RANDOM = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes().replace(b"\x1f\x8b", b"xx")
# the first bytes are not UTF-8 (a continuation byte cannot start a character)
RANDOM = b"\x82" + RANDOM
CONTENTS = {
    "random": RANDOM,
    "gzipped-random": gzip.compress(RANDOM, mtime=0),
    "gzip-header-over-garbage": b"\x1f\x8b" + RANDOM,
    "nul-bytes": b"\x00" * 5000,
}

# (reader, file name, what the message says was expected; None: any DreamTFError naming the file)
READERS = {
    "narrowPeak": (narrowpeak.read_narrowpeak, "p.narrowPeak.gz", "expected a narrowPeak file"),
    "BED": (bed.read_bed3, "b.bed", "expected a BED file"),
    "chrom.sizes": (chroms.read_chrom_sizes, "g.sizes", "expected a chrom.sizes file"),
    "FASTA": (fasta.fasta_sizes, "g.fa.gz", "expected a FASTA file"),
    "labels": (wt.read_labels, "TF.labels.tsv.gz", "expected a label TSV"),
    "predictions": (wt.read_predictions, "F.TF.liver.tab.gz", "expected a predictions file"),
    "regions": (wt.read_regions, "test_regions.bed.gz", "expected a region file"),
    "RNA-seq": (lambda p: rnaseq.read_tpm([p]), "gene_expression.liver.biorep1.tsv", "expected an RSEM"),
    "GTF": (gtf.read_gene_tss, "gencode.gtf.gz", "expected a GENCODE GTF"),
    "GTF gene name": (lambda p: gtf.gene_id_of(p, "CTCF"), "gencode.gtf", "expected a GENCODE GTF"),
    "manifest": (manifest.read_manifest, "manifest.tsv", "expected a release manifest"),
    "Synapse listing": (synapse.read_listing, "synapse.tsv", "expected a Synapse listing"),
    "motifs": (lambda p: motiffile.read_motif_counts(p, "CTCF"), "ctcf.meme", "expected a JASPAR or MEME"),
    "score record": (lambda p: scorefile.read_score_record(p, ["auprc"]), "score.json", "expected a JSON score"),
    "scores table": (lambda p: scorefile.read_scores_table(p, ["auprc"]), "scores.tsv", "expected a dreamtf scores"),
    "bigWig": (lambda p: bigwig.check_track(p, ["chr1"]), "DNASE.liver.bigwig", "expected a bigWig signal track"),
}


@pytest.mark.parametrize("content", CONTENTS)
@pytest.mark.parametrize("kind", READERS)
def test_a_file_of_other_content_is_one_line_naming_it(tmp_path, kind, content):
    read, name, expected = READERS[kind]
    p = tmp_path / name
    p.write_bytes(CONTENTS[content])
    with pytest.raises(DreamTFError) as exc:
        read(p)
    msg = str(exc.value)
    assert msg.startswith(str(p)) and "\n" not in msg and len(msg) < 300, msg
    assert expected in msg, msg
    if content != "gzip-header-over-garbage" and kind != "bigWig":
        assert msg.startswith(f"{p}, line 1: binary data, not text"), msg


def test_binary_data_after_good_lines_names_its_line(tmp_path):
    rows = "".join(f"chr1\t{s}\t{s + 200}\t0.5\n" for s in range(600, 1600, 50))
    for name, read in (("F.tab.gz", wt.read_predictions), ("p.narrowPeak.gz", narrowpeak.read_narrowpeak)):
        p = tmp_path / name
        good = rows if name.endswith(".tab.gz") else "chr1\t100\t300\t.\t0\t.\t5\t-1\t-1\t50\n" * 20
        p.write_bytes(gzip.compress(good.encode() + RANDOM))
        with pytest.raises(DreamTFError, match=rf"{name}, line 21: binary data, not text; expected a"):
            read(p)


def test_a_bigbed_is_named_as_such(tmp_path):
    p = tmp_path / "peaks.bw"
    p.write_bytes(b"\xeb\xf2\x89\x87" + RANDOM)
    with pytest.raises(DreamTFError, match=r"peaks.bw: a bigBed file .*; expected a bigWig signal track"):
        bigwig.open_bigwig(p)


def test_a_truncated_bigwig_is_one_line(tmp_path):
    p = write_bigwig(tmp_path / "d.bw", {"chr1": 5000}, {"chr1": [(100, 200, 2.0)]})
    p.write_bytes(p.read_bytes()[:40])
    with pytest.raises(DreamTFError, match=r"d.bw: not a readable bigWig file"):
        bigwig.open_bigwig(p)


def test_fasta_with_non_ascii_sequence(tmp_path):
    p = tmp_path / "g.fa"
    p.write_text(">chr1\nACGT\nACGé\n", encoding="utf-8")
    with pytest.raises(DreamTFError, match=r"g.fa, line 3: non-ASCII characters in a sequence line"):
        fasta.fasta_sizes(p)


@pytest.mark.parametrize(
    "text, needle",
    [(">\n\n>\n", "a '>' line without a motif id"), ("MOTIF \nletter-probability matrix:\n", "without a motif id")],
)
def test_motif_file_without_ids(tmp_path, text, needle):
    p = tmp_path / "m.txt"
    p.write_text(text)
    with pytest.raises(DreamTFError, match=needle):
        motiffile.read_motif_counts(p, "CTCF")


def test_gtf_gene_line_without_gene_id(tmp_path):
    p = tmp_path / "g.gtf"
    p.write_text('chr1\tHAVANA\tgene\t10\t100\t.\t+\t.\tgene_name "CTCF";\n')
    with pytest.raises(DreamTFError, match=r"g.gtf, line 1: gene CTCF without a gene_id"):
        gtf.gene_id_of(p, "CTCF")


def test_score_record_that_is_not_an_object(tmp_path):
    p = tmp_path / "s.json"
    p.write_text("[1, 2]")
    with pytest.raises(DreamTFError, match=r"s.json: a JSON list, expected a score record"):
        scorefile.read_score_record(p, ["auprc"])


@pytest.mark.parametrize(
    "row, needle",
    [
        ("chr1\t650\t850", "line 2: 3 tab-separated columns instead of 4 (chr, start, stop, score)"),
        ("chr1\t650\t850\tabc", "line 2: score 'abc' is not a number"),
        ("chr1\tx650\t850\t0.5", "line 2: start 'x650' is not an integer"),
        ("chr1\t650\t99999999999999999999\t0.5", "line 2: stop '99999999999999999999' is out of range"),
        ("chr\tstart\tstop\tscore", "line 2: 'chr\\tstart\\tstop\\tscore' looks like a header line"),
    ],
)
def test_submission_row_problems_name_the_line(tmp_path, row, needle):
    p = tmp_path / "F.tab"
    p.write_text(f"chr1\t600\t800\t0.5\n{row}\nchr1\t700\t900\t0.5\n")
    with pytest.raises(DreamTFError) as exc:
        wt.read_predictions(p)
    assert str(exc.value).startswith(f"{p}, {needle}"), str(exc.value)
    assert str(exc.value).endswith("expected a predictions file (chr, start, stop, score; tab-separated, no header)")


def test_a_bad_row_far_into_a_big_file_is_found(tmp_path):
    # Arrow reads in blocks; the failing row lies in a later block than the first
    p = tmp_path / "F.tab.gz"
    starts = np.arange(600, 600 + 50 * 60_000, 50)
    text = "".join(f"chr1\t{s}\t{s + 200}\t0.5\n" for s in starts)
    p.write_bytes(gzip.compress((text + "chr1\t1\t201\tNA\n").encode(), compresslevel=1, mtime=0))
    with pytest.raises(DreamTFError, match=rf"F.tab.gz, line {len(starts) + 1}: score 'NA' is not a number"):
        wt.read_window_table(p, header=False, value_columns=["score"], value_kind="score")


def _rsem(path, genes: dict[str, float]):
    rows = "".join(f"{g}.1\tT{g}\t1000\t900\t5.00\t{v}\t1.0\n" for g, v in genes.items())
    path.write_text("gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n" + rows)
    return path


def test_rnaseq_replicates_average_over_the_tables_that_list_a_gene(tmp_path, caplog):
    a = _rsem(tmp_path / "rep1.tsv", {"ENSG1": 10.0, "ENSG2": 4.0, "ENSG3": 1.0})
    b = _rsem(tmp_path / "rep2.tsv", {"ENSG1": 20.0, "ENSG2": 6.0})
    with caplog.at_level(logging.WARNING):
        tpm = rnaseq.read_tpm([a, b])
    # ENSG3 keeps its TPM (1.0), not half of it as if rep2 had measured 0
    assert tpm == {"ENSG1": 15.0, "ENSG2": 5.0, "ENSG3": 1.0}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(f"{b}: lacks 1 of the 3 genes its replicates list")


def test_rnaseq_replicates_listing_the_same_genes_are_averaged_quietly(tmp_path, caplog):
    a = _rsem(tmp_path / "rep1.tsv", {"ENSG1": 10.0, "ENSG2": 0.5})
    b = _rsem(tmp_path / "rep2.tsv", {"ENSG1": 20.0, "ENSG2": 0.25})
    with caplog.at_level(logging.WARNING):
        assert rnaseq.read_tpm([a, b]) == {"ENSG1": 15.0, "ENSG2": 0.375}
    assert not caplog.records


def test_rnaseq_row_with_too_few_columns(tmp_path):
    p = tmp_path / "r.tsv"
    p.write_text("gene_id\tlength\tTPM\nENSG1\t100\n")
    with pytest.raises(DreamTFError, match=r"r.tsv, line 2: 2 tab-separated columns, too few for gene_id and TPM"):
        rnaseq.read_tpm([p])


def test_good_files_still_read(tmp_path):
    # the checks above leave ordinary plain and gzipped files alone
    f = write_fasta(tmp_path / "g.fa.gz", {"chr1": "ACGT" * 30})
    assert fasta.fasta_sizes(f) == {"chr1": 120}
    s = tmp_path / "g.sizes"
    s.write_text("chr1\t120\n")
    assert chroms.read_chrom_sizes(s) == {"chr1": 120}
