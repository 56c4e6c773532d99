"""Rule download_release_file: one release file, from release.url (verified against its manifest),
from Synapse, or from ENCODE (by accession, or a genome annotation by URL).

release.url reaches this job without credentials; those of the server come from the
environment variable DREAMTF_RELEASE_AUTH, which the workflow sets from the URL's own.
"""

from pathlib import Path

from dreamtf.io.download import fetch, release_credentials
from dreamtf.io.encode import fetch_accession, fetch_url
from dreamtf.io.manifest import Entry
from dreamtf.io.synapse import fetch_entity, login
from dreamtf.rule import run


def main(smk):
    out, rel, p = Path(smk.output[0]), smk.wildcards.path, smk.params
    retries = int(p.retries)
    if p.source == "synapse":
        fetch_entity(login(), p.synapse_id, rel, out)
    elif p.source == "encode" and "url" in p.encode:
        fetch_url(p.encode["url"], out, p.encode.get("md5"), retries=retries)
    elif p.source == "encode":
        spec = p.encode
        fetch_accession(
            p.portal,
            spec["accession"],
            out,
            kind=spec["kind"],
            assembly=p.assembly,
            assays=spec.get("assays"),
            retries=retries,
        )
    else:
        # the URL comes without credentials (Snakemake records params); they come from DREAMTF_RELEASE_AUTH
        url, auth = release_credentials(p.url)
        fetch(url, Entry(rel, int(p.bytes), p.md5), out, auth=auth, retries=retries)


run(main, snakemake)  # noqa: F821
