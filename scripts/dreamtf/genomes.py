"""Genome builds for ``release.source: encode``: where each build's FASTA, blacklist and GENCODE come from.

The one place these URLs live; ``release.annotations`` in the config overrides any of
them (a mirror, a local server, another GENCODE release), optionally with an md5.
``encode_assembly`` is the portal's name for the build, checked against every file's
metadata.
"""

from __future__ import annotations

GENOMES = {
    "hg19": {
        "encode_assembly": "hg19",
        "fasta": "https://hgdownload.soe.ucsc.edu/goldenPath/hg19/bigZips/hg19.fa.gz",
        # the ENCODE DAC blacklist the challenge filtered its regions with
        "blacklist": "https://hgdownload.soe.ucsc.edu/goldenPath/hg19/encodeDCC/wgEncodeMapability/"
        "wgEncodeDacMapabilityConsensusExcludable.bed.gz",
        "gtf": "https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_19/gencode.v19.annotation.gtf.gz",
    },
    "GRCh38": {
        "encode_assembly": "GRCh38",
        # ENCODE's own analysis set (no alt contigs), the reference of its GRCh38 files
        "fasta": "https://www.encodeproject.org/files/GRCh38_no_alt_analysis_set_GCA_000001405.15/"
        "@@download/GRCh38_no_alt_analysis_set_GCA_000001405.15.fasta.gz",
        "blacklist": "https://www.encodeproject.org/files/ENCFF356LFX/@@download/ENCFF356LFX.bed.gz",
        "gtf": "https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_29/gencode.v29.annotation.gtf.gz",
    },
}
ASSETS = ("fasta", "blacklist", "gtf")


def asset(genome: str, name: str, overrides: dict) -> dict:
    """``{"url": ..., "md5": ... or None}`` for one annotation file of ``genome``."""
    given = overrides.get(name) or {}
    return {"url": given.get("url") or GENOMES[genome][name], "md5": given.get("md5")}
