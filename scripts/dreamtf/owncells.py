"""Cells of your own (the config's ``cells``): which of the three forms each entry has.

``signal`` + ``peaks`` (processed files, read as they are), ``bam`` + ``assay`` (bulk reads)
or ``fragments`` + ``clusters`` (single-cell ATAC, one cell a cluster); the last two go
through the reads pipeline (:mod:`dreamtf.reads`).
"""

from __future__ import annotations

FORMS = {"signal": ("peaks",), "bam": ("assay",), "fragments": ("clusters",)}
#: keys only one form has
OWN_KEYS = {"peaks": "signal", "clusters": "fragments", "cluster": "fragments"}


def form(spec: dict) -> str:
    """``signal``, ``bam`` or ``fragments``: the form of a checked ``cells`` entry."""
    return next(k for k in FORMS if k in spec)


def from_reads(spec: dict) -> bool:
    return form(spec) != "signal"


def check_forms(raw: dict, cfg: dict, source: str) -> None:
    """Each entry has one form and what it needs; ``raw`` is the config as written (before defaults)."""
    from .errors import DreamTFError

    for cell, spec in cfg["cells"].items():
        given = [k for k in FORMS if k in spec]
        if len(given) != 1:
            what = " and ".join(given) if given else "none of them"
            raise DreamTFError(
                f"{source}: 'cells.{cell}': expected one of signal (with peaks), bam (with assay) or "
                f"fragments (with clusters), got {what}"
            )
        kind = given[0]
        written = raw.get("cells", {}).get(cell, {})
        for need in FORMS[kind]:
            if need not in written:
                raise DreamTFError(f"{source}: 'cells.{cell}': {kind} needs {need}")
        for key, owner in OWN_KEYS.items():
            if key in spec and owner != kind:
                raise DreamTFError(f"{source}: 'cells.{cell}.{key}' goes with {owner}, not {kind}")
        if kind == "fragments" and written.get("assay", "ATAC-seq") != "ATAC-seq":
            raise DreamTFError(f"{source}: 'cells.{cell}.assay': fragments are ATAC-seq, not {written['assay']}")
        if kind == "fragments":
            spec["assay"] = "ATAC-seq"


#: the release sources whose cells can come from reads (their BAMs in the release folder)
READS_SOURCES = ("simulate", "local", "genome")


def check_accessibility(cfg: dict, source: str) -> None:
    """``accessibility: reads`` needs a release that has reads: a simulated one, or a folder holding its BAMs."""
    from .errors import DreamTFError

    where = cfg["release"]["source"]
    if cfg["accessibility"] == "reads" and where not in READS_SOURCES:
        raise DreamTFError(
            f"{source}: 'accessibility' is reads, but a release from {where} has no reads (its cells' tracks "
            "only); set accessibility: files, or give the release as a local folder with DNASE/bams/DNASE.<cell>.bam"
        )


def check_cell_sources(raw: dict, cfg: dict, source: str, workdir) -> None:
    """The config's cells of your own and where the release's take their signal: forms, clusters, reads."""
    from .pseudobulk import expand_cells

    check_forms(raw, cfg, source)
    expand_cells(cfg, source, workdir)
    check_accessibility(cfg, source)
