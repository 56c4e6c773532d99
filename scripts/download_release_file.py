"""Rule download_release_file: one release file, from release.url (verified against its manifest) or Synapse."""

from pathlib import Path

from dreamtf.io.download import fetch
from dreamtf.io.manifest import Entry
from dreamtf.io.synapse import fetch_entity, login
from dreamtf.rule import run


def main(smk):
    out, rel = Path(smk.output[0]), smk.wildcards.path
    if smk.params.source == "synapse":
        fetch_entity(login(), smk.params.synapse_id, rel, out)
    else:
        fetch(smk.params.url, Entry(rel, int(smk.params.bytes), smk.params.md5), out, retries=int(smk.params.retries))


run(main, snakemake)  # noqa: F821
