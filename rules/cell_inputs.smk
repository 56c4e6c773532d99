# Cells: which windows each cell is predicted on, and its files (the release's, or your own
# from the config's `cells`). Input functions only; no rules here.


def is_predict_cell(tf, cell):
    return cell in TFS[tf]["predict_cells"]


def stage_cells(tf, stage):
    """The cells a stage predicts for ``tf``: its held-out and prediction cells, or its training cells."""
    if stage == "predictions":
        return TFS[tf]["test_cells"] + TFS[tf]["predict_cells"]
    return TFS[tf]["train_cells"]


def is_genome_wide(stage, tf, cell):
    """Whether a job predicts genome-wide: a prediction cell, or a held-out cell's genome_wide stage."""
    return stage == "genome_wide" or (
        stage == "predictions" and is_predict_cell(tf, cell)
    )


def cell_regions(stage, tf, cell):
    """The windows a job predicts: genome-wide (predict.chromosomes), else the stage's region file."""
    if is_genome_wide(stage, tf, cell):
        return "results/regions/predict.bed.gz"
    return stage_regions(stage)


def cell_chroms(stage, tf, cell):
    """The chromosomes a job predicts (None: every chromosome of its region file)."""
    return None if is_genome_wide(stage, tf, cell) else stage_chroms(stage)


# A cell's accessibility files and RNA-seq: the user's own (config `cells`), or the release's.
OWN = config["cells"]


# Cells whose signal and peaks the run makes from reads (rules/reads.smk): your own given as a
# BAM or fragments, and the release's when accessibility is reads: cell -> (form, file, assay)
READ_CELLS = {
    c: (
        ("fragments", OWN[c]["fragments"], "ATAC-seq")
        if "fragments" in OWN[c]
        else ("bam", OWN[c]["bam"], OWN[c]["assay"])
    )
    for c in OWN
    if "signal" not in OWN[c]
}
# the release's cells the run reads: a bundle's training cells are not among them
RELEASE_CELLS = [
    c
    for c in rl.cells_of(
        {
            tf: {**spec, "train_cells": [] if BUNDLE else spec["train_cells"]}
            for tf, spec in TFS.items()
        }
    )
    if c not in OWN
]
if config["accessibility"] == "reads":
    READ_CELLS.update(
        {c: ("bam", str(rl.dnase_bam_path(REL, c)), "DNase-seq") for c in RELEASE_CELLS}
    )
    if SOURCE == "local":  # a release folder of the user's: its BAMs must be there
        try:
            rl.check_release_bams(RELEASE_CELLS, REL, source=CONFIG_SOURCE)
        except DreamTFError as exc:
            raise WorkflowError(str(exc)) from None


def reads_file(cell, name):
    """What the reads pipeline makes of a cell: signal.bigwig, conservative/relaxed.narrowPeak.gz, ..."""
    return f"results/reads/{cell}/{name}"


def fragment_samples():
    """{sample: [cells]}: the cluster cells of each fragments file and cluster table, named after the first."""
    groups = {}
    for cell, (form, path, _) in READ_CELLS.items():
        if form == "fragments":
            groups.setdefault((path, OWN[cell]["clusters"]), []).append(cell)
    out = {}
    for cells in groups.values():
        cluster, first = OWN[cells[0]]["cluster"], cells[0]
        name = first[: -len(cluster) - 1] if first.endswith(f"_{cluster}") else first
        # two files whose first cells share a stem: the second rule gets a number
        out[name if name not in out else f"{name}_{len(out)}"] = cells
    return out


FRAGMENT_SAMPLES = fragment_samples()
BAM_CELLS = [c for c, (form, _, _) in READ_CELLS.items() if form == "bam"]


def simulated_bam(cell):
    """A simulated release's reads of a cell, made from its track when accessibility is reads."""
    return SOURCE == "simulate" and READ_CELLS[cell][1] == str(
        rl.dnase_bam_path(REL, cell)
    )


def cell_signal(cell):
    if cell in READ_CELLS:
        return reads_file(cell, "signal.bigwig")
    if cell in OWN:
        return OWN[cell]["signal"]
    return str(rl.dnase_bigwig_path(REL, cell))


def cell_peaks(cell, kind):
    """The cell's conservative or relaxed accessibility peaks (one file for both, for your own cells)."""
    if cell in READ_CELLS:
        return reads_file(cell, f"{kind}.narrowPeak.gz")
    if cell in OWN:
        peaks = OWN[cell]["peaks"]
        return peaks[kind] if isinstance(peaks, dict) else peaks
    return str(rl.dnase_peaks_path(REL, cell, kind))


def cell_reads_peaks(cell):
    """Whether any job of the run reads the cell's accessibility peaks."""
    groups = {g for fs in config["feature_sets"].values() for g in fs}
    factornet = [m for m in RUN.values() if m.family.name == "factornet"]
    catchitt = any(
        m.family.feature_sets is None and not m.family.members for m in RUN.values()
    )
    return (catchitt and "dnase_peaks" in groups) or any(
        m.settings["open_negatives"] > 0 for m in factornet
    )


def cell_checked(cell):
    """The record that the cell's signal matches the genome: every job reading the cell waits for it."""
    return f"results/release/cells/{cell}.json"


def rnaseq_files(cell):
    """The cell's RNA-seq replicate tables (your own, two in a simulated release, all found in a local one)."""
    if cell in OWN:
        return list(OWN[cell]["rnaseq"])
    if SOURCE == "simulate":
        return [str(rl.rnaseq_path(REL, cell, r)) for r in (1, 2)]
    pattern = f"RNAseq/gene_expression.{cell}.biorep*.tsv"
    if REMOTE:
        found = [
            Path(REL, p) for p in sorted(REMOTE) if PurePosixPath(p).match(pattern)
        ]
    else:
        found = sorted(Path(REL).glob(pattern))
    return [str(p) for p in found] or [str(rl.rnaseq_path(REL, cell, 1))]


def expression_inputs(cells, needed):
    """The GTF and RNA-seq tables of ``cells`` when ``needed``, else nothing."""
    if not needed:
        return {}
    return {
        "gtf": GTF or [],
        "rnaseq": [f for c in cells for f in rnaseq_files(c)],
    }
