"""Rule download_release_file: one release file from release.url, verified against the manifest."""

from pathlib import Path

from dreamtf.io.download import fetch
from dreamtf.io.manifest import Entry
from dreamtf.rule import run


def main(smk):
    out = Path(smk.output[0])
    entry = Entry(smk.wildcards.path, int(smk.params.bytes), smk.params.md5)
    fetch(smk.params.url, entry, out, retries=int(smk.params.retries))


run(main, snakemake)  # noqa: F821
