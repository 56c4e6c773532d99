"""Workflow configuration: validation against the JSON schema, defaults filled in.

Errors come as one line that names the key, e.g.
``config.yaml: unknown key 'windws' at the top level (allowed: release, tfs, ...)``;
credentials in a URL are shown as ``***`` (:func:`dreamtf.io.download.redact_url`).

Every setting that is a path is checked for what it may be, so that a run writes nothing
outside its run directory and ``release.path``: ``release.fasta`` is a file name under
``<release.path>/annotations/``, ``release.path`` any folder but the run directory or one
that holds it, and ``features.motifs`` a JASPAR matrix id or a file the run reads.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from pathlib import Path

import jsonschema
import yaml

from .errors import DreamTFError
from .features import BIN as FEATURE_BIN
from .io.download import redact_url, split_credentials
from .owncells import check_cell_sources

#: the workflow's schema: every setting's default and description, in one file
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
#: settings sections that only a model of one family reads: section -> that family

#: a JASPAR matrix id, with or without its version (MA0139.2, MA0139, PB0001.1, UN0101.1)
_JASPAR_ID = re.compile(r"^[A-Z]{2,3}[0-9]{4,5}(\.[0-9]+)?$")


@functools.cache
def _schema_text(path: str) -> str:
    return Path(path).read_text()


def schema(path: str | os.PathLike = SCHEMA_PATH) -> dict:
    """The configuration schema as a dict (a fresh copy on each call)."""
    return yaml.safe_load(_schema_text(str(path)))


def _section(path: tuple[str, ...]) -> dict:
    node = schema()
    for key in path:
        props = node.get("properties", {})
        if key not in props:
            where = ".".join(path[: path.index(key)]) or "the top level"
            raise KeyError(f"no setting {key!r} under {where} in {SCHEMA_PATH.name}")
        node = props[key]
    return node


def defaults(*path: str):
    """The schema's defaults for the setting or section at ``path``.

    ``defaults("windows", "size")`` is 200; ``defaults("factornet")`` is a dict of every
    factornet key that has a default (nested sections as dicts of theirs). This is the one
    place library code and the command line take a default from.
    """
    node = _section(path)
    if "properties" in node:
        return _fill_defaults(node, copy.deepcopy(node.get("default", {})))
    if "default" not in node:
        raise KeyError(f"setting {'.'.join(path)!r} has no default in {SCHEMA_PATH.name}")
    return copy.deepcopy(node["default"])


def choices(*path: str) -> list:
    """The allowed values (the schema's ``enum``) of the setting at ``path``."""
    node = _section(path)
    return list(node.get("enum") or node.get("items", {}).get("enum") or [])


def describe(*path: str) -> str:
    """The schema's description of the setting at ``path``."""
    return " ".join(_section(path).get("description", "").split())


def _fill_defaults(schema: dict, value):
    """Recursively insert schema defaults into ``value`` (a dict/list from YAML).

    A mapping marked ``mergeDefault`` in the schema keeps its default's keys the given one leaves out.
    A section's keys come in the schema's order, whatever order the files wrote them in: Snakemake
    compares a job's params as text, so settings must read the same however a config spelled them.
    """
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key, sub in props.items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                value[key] = _fill_defaults(sub, value[key])
            if sub.get("mergeDefault") and isinstance(value.get(key), dict):
                # an open mapping (catchitt.xgboost) keeps the default's keys it leaves out; filled in
                # here, each model's settings read the same whichever file or section named a key, so a
                # job reruns only when its own effective settings change
                value[key] = {**sub["default"], **value[key]}
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                if key not in props:
                    value[key] = _fill_defaults(extra, value[key])
        if props:
            value = {**{k: value[k] for k in props if k in value}, **value}
    return value


def _where(path) -> str:
    return "the top level" if not path else "'" + ".".join(str(p) for p in path) + "'"


def _describe(err: jsonschema.ValidationError, source: str) -> str:
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = sorted(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in allowed]
        if allowed:
            return (
                f"{source}: unknown key '{unknown[0]}' at {_where(err.absolute_path)} (allowed: {', '.join(allowed)})"
            )
    if err.validator == "required":
        return f"{source}: {err.message} at {_where(err.absolute_path)}"
    return f"{source}: {_where(err.absolute_path)}: {err.message}"


def validate_config(
    config: dict, schema_path: str | os.PathLike, source: str = "config.yaml", workdir: str | os.PathLike = "."
) -> dict:
    """Validate ``config`` against the schema and return a copy with defaults filled in.

    Beyond the schema, checks that every settings section and variant belongs to a model
    in ``models``, that the test, validation and training chromosomes do not overlap, that
    no cell is both a training and a test cell of one TF, and what each path may be
    (relative ones are relative to ``workdir``, the run directory). A credential in
    release.url never appears in the error line.
    """
    try:
        return _validate(config, schema_path, source, Path(workdir))
    except DreamTFError as exc:
        raise DreamTFError(redact_url(str(exc))) from None


def _validate(config: dict, schema_path, source: str, workdir: Path) -> dict:
    schema = yaml.safe_load(Path(schema_path).read_text())
    cfg = _fill_defaults(schema, copy.deepcopy(dict(config)))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        raise DreamTFError(_describe(errors[0], source))
    families = _check_models(config, cfg, source)
    check_cell_sources(config, cfg, source, workdir)
    _check_paths(cfg, source, workdir)
    _check_urls(cfg, source)
    if cfg["release"]["source"] == "http" and "url" not in cfg["release"]:
        raise DreamTFError(f"{source}: 'release.url' is required when release.source is http")
    if cfg["release"]["source"] == "encode":
        _check_encode(cfg, source, families)
    if cfg["release"]["source"] == "genome":
        _check_genome_source(cfg, source, workdir)
    if "catchitt" in families and cfg["windows"]["size"] % FEATURE_BIN:
        raise DreamTFError(
            f"{source}: 'windows.size': {cfg['windows']['size']} bp is not a multiple of {FEATURE_BIN}; "
            f"catchitt's features are per {FEATURE_BIN} bp bin"
        )
    if cfg["scoring"]["bootstrap"] == 1:
        raise DreamTFError(
            f"{source}: 'scoring.bootstrap': 1 fold leaves nothing to score; use 0 (no bounds) or 2 or more"
        )
    fn = cfg["factornet"]
    if fn["motif_init"] and fn["motif_kernels"] > fn["kernels"]:
        raise DreamTFError(
            f"{source}: 'factornet.motif_kernels': {fn['motif_kernels']} kernels to start as the motif, "
            f"but the network has {fn['kernels']} (factornet.kernels); set motif_kernels to {fn['kernels']} or fewer"
        )
    test, val = cfg["chromosomes"]["test"], cfg["chromosomes"]["validation"]
    both = set(test) & set(val)
    if both:
        raise DreamTFError(f"{source}: chromosome {sorted(both)[0]!r} is both a test and a validation chromosome")
    _check_cells(cfg, source)
    return cfg


def _check_cells(cfg: dict, source: str) -> None:
    """Each cell plays one part per TF; cells from your own files are predicted only and
    carry what the run's feature sets read."""
    own = cfg["cells"]
    for tf, spec in cfg["tfs"].items():
        parts = (("training", "train_cells"), ("test", "test_cells"), ("prediction", "predict_cells"))
        for i, (name_a, key_a) in enumerate(parts):
            for name_b, key_b in parts[i + 1 :]:
                both = set(spec[key_a]) & set(spec[key_b])
                if both:
                    raise DreamTFError(
                        f"{source}: 'tfs.{tf}': cell {sorted(both)[0]!r} is both a {name_a} and a {name_b} cell"
                    )
        if not spec["test_cells"] and not spec["predict_cells"]:
            raise DreamTFError(f"{source}: 'tfs.{tf}': no test_cells and no predict_cells; name at least one")
        for key in ("train_cells", "test_cells"):
            mine = [c for c in spec[key] if c in own]
            if mine:
                raise DreamTFError(
                    f"{source}: 'tfs.{tf}.{key}': {mine[0]!r} comes from your own files (cells), which have no "
                    "ChIP-seq; list it in predict_cells"
                )


def _check_genome_source(cfg: dict, source: str, workdir: Path) -> None:
    """Source genome: the genome's files exist, and the run predicts cells of your own with a bundle's models.

    A genome alone has no ChIP-seq and no cells: nothing to train or score on.
    """
    rel = cfg["release"]
    if "blacklist" not in rel:
        raise DreamTFError(f"{source}: 'release.blacklist' is required when release.source is genome")
    for key in ("fasta", "blacklist", "gtf"):
        if key in rel and ("\0" in rel[key] or not (workdir / rel[key]).is_file()):
            raise DreamTFError(f"{source}: 'release.{key}': no file {rel[key]!r} (source genome reads it where it is)")
    if not cfg.get("models_from"):
        raise DreamTFError(
            f"{source}: release.source genome has no ChIP-seq to train on: give models_from (a bundle of models)"
        )
    for tf, spec in cfg["tfs"].items():
        if spec["test_cells"]:
            raise DreamTFError(
                f"{source}: 'tfs.{tf}.test_cells': release.source genome has no labels to score on; "
                "list the cells in predict_cells"
            )
        for cell in spec["predict_cells"]:
            if cell not in cfg["cells"]:
                raise DreamTFError(
                    f"{source}: 'tfs.{tf}.predict_cells': {cell!r} is not in cells; release.source genome has no "
                    f"cells of its own: give {cell}'s files under 'cells.{cell}'"
                )


def is_file_name(name: str) -> bool:
    """Whether ``name`` is a plain file name: no folder in it, not ``.`` or ``..``."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


def _check_paths(cfg: dict, source: str, workdir: Path) -> None:
    """What each path setting may be: the guarantee that nothing is written outside the run
    directory and release.path rests on these (every file of a release is a path inside it)."""
    rel = cfg["release"]
    if rel["source"] != "genome" and not is_file_name(rel["fasta"]):
        raise DreamTFError(
            f"{source}: 'release.fasta': expected a file name under <release.path>/annotations/, got {rel['fasta']!r}"
        )
    # any folder may hold a release (/data/release, ../shared/release): it is written only inside;
    # the run directory itself or a folder above it would mix the release with the run's results
    run = workdir.resolve()
    folder = None if "\0" in rel["path"] else (workdir / rel["path"]).resolve()
    if folder is None or folder == run or folder in run.parents:
        raise DreamTFError(
            f"{source}: 'release.path': expected a folder of the release's own (any folder but the run "
            f"directory or one that holds it, e.g. resources/release or /data/release), got {rel['path']!r}"
        )
    for tf, motif in cfg["features"]["motifs"].items():
        if not _JASPAR_ID.match(motif) and ("\0" in motif or not (workdir / motif).is_file()):
            raise DreamTFError(
                f"{source}: 'features.motifs.{tf}': expected a JASPAR matrix id (e.g. MA0139.2) or an existing "
                f"JASPAR or MEME file, got {motif!r}"
            )


def _check_urls(cfg: dict, source: str) -> None:
    """Credentials only in release.url: the ENCODE URLs reach rule params, which Snakemake records."""
    rel = cfg["release"]
    urls = {"release.portal": rel["portal"]}
    urls.update({f"release.annotations.{k}.url": v["url"] for k, v in rel["annotations"].items()})
    for key, url in urls.items():
        if split_credentials(url)[1]:
            raise DreamTFError(
                f"{source}: '{key}': credentials in a URL are taken only in release.url (or the "
                f"DREAMTF_RELEASE_AUTH environment variable), got {redact_url(url)!r}"
            )


def _check_models(raw: dict, cfg: dict, source: str) -> set[str]:
    """Refuse settings no model of the run reads; return the run's model families.

    Checked on the config as given (``raw``, before defaults): settings for a family with
    no model in ``models`` would be silently ignored (``factornet: {backend: jax}`` with
    models lacking factornet runs no FactorNet at all), as would a variant ``models``
    does not name. Names that are neither a family nor a variant are left to
    :func:`dreamtf.registry.models`, which says which names exist.
    """
    models, variants = cfg["models"], cfg["variants"]
    listed = f"(models: {', '.join(models)})"
    for name in variants:
        if name not in models:
            raise DreamTFError(f"{source}: 'variants.{name}' is not in models {listed}; add it to models or drop it")
    families = {variants[m].get("family") if m in variants else m for m in models}
    from .registry import family_sections  # the registry imports this module's neighbours only

    for section, family in family_sections().items():
        if raw.get(section) and family not in families:
            fix = "add it to models" if section == family else f"add {family} to models"
            raise DreamTFError(
                f"{source}: '{section}' has settings but {family} is not in models {listed}; {fix} or drop the section"
            )
    return families


def _check_encode(cfg: dict, source: str, families: set[str]) -> None:
    """An encode release needs accessions for every file the configured run reads.

    Training and test cells need ChIP-seq peaks and accessibility by accession; a prediction
    cell needs accessibility only, by accession or as a cell of your own (``cells``), never
    both: a name with files of its own and accessions is refused, as either choice would
    silently drop files the config names.
    """
    enc, own = cfg["release"]["encode"], cfg["cells"]
    for key in ("accessibility", "rnaseq"):
        both = sorted(set(own) & set(enc.get(key, {})))
        if both:
            raise DreamTFError(
                f"{source}: 'release.encode.{key}.{both[0]}' and 'cells.{both[0]}' both give files of "
                f"{both[0]}: a cell comes from ENCODE accessions or from your own files; drop one, or rename "
                "your own cell"
            )
    uses = {g for groups in cfg["feature_sets"].values() for g in groups} if "catchitt" in families else set()
    factornet = "factornet" in families
    needs = {
        "peaks": "dnase_peaks" in uses or (factornet and cfg["factornet"]["open_negatives"] > 0),
        "rnaseq": "expression" in uses or (factornet and cfg["factornet"]["meta_pcs"] > 0),
    }
    for tf, spec in cfg["tfs"].items():
        for cell in spec["train_cells"] + spec["test_cells"]:
            if cell not in enc.get("chip", {}).get(tf, {}):
                raise DreamTFError(
                    f"{source}: 'release.encode.chip.{tf}.{cell}' is missing: source encode needs the "
                    "conservative and relaxed ChIP-seq peak accessions of every training and test cell in tfs"
                )
            _check_encode_cell(enc, cell, needs, source, "")
        for cell in spec["predict_cells"]:
            if cell not in own:  # a cell of your own downloads nothing; its files are checked on their own
                why = f"; {cell} is a prediction cell of {tf}: give its accessions there, or its own files in "
                why += f"'cells.{cell}'"
                _check_encode_cell(enc, cell, needs, source, why)


def _check_encode_cell(enc: dict, cell: str, needs: dict, source: str, why: str) -> None:
    """One cell's accessibility (and RNA-seq, when read) accessions; ``why`` ends each message."""
    acc = enc.get("accessibility", {}).get(cell)
    if acc is None:
        raise DreamTFError(
            f"{source}: 'release.encode.accessibility.{cell}' is missing: source encode needs a "
            f"DNase-seq or ATAC-seq signal bigWig accession for every cell in tfs{why}"
        )
    if needs["peaks"] and not {"conservative", "relaxed"} <= set(acc):
        raise DreamTFError(
            f"{source}: 'release.encode.accessibility.{cell}' needs conservative and relaxed peak "
            f"accessions: the dnase_peaks features or FactorNet's open-chromatin negatives read them{why}"
        )
    if needs["rnaseq"] and cell not in enc.get("rnaseq", {}):
        raise DreamTFError(
            f"{source}: 'release.encode.rnaseq.{cell}' is missing: the expression features or "
            f"factornet.meta_pcs read RNA-seq{why}"
        )


def _read_yaml(path: str | os.PathLike) -> dict:
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as exc:
        raise DreamTFError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise DreamTFError(f"{path}: expected a mapping of settings at the top level, found {type(raw).__name__}")
    return raw


def load_config(path: str | os.PathLike, schema_path: str | os.PathLike) -> dict:
    """Read a YAML config file and validate it."""
    return validate_config(_read_yaml(path), schema_path, source=str(path))


def merge_config(base: dict, over: dict) -> dict:
    """``base`` with ``over`` on top as Snakemake merges config files: mappings key by key, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_configs(paths: list, schema_path: str | os.PathLike) -> tuple[dict, str]:
    """Read several YAML config files, each on top of the ones before (as ``snakemake --configfile A B``), and
    validate the result; returns it with the files' names joined by `` + `` (the source errors name)."""
    merged: dict = {}
    for path in paths:
        merged = merge_config(merged, _read_yaml(path))
    source = " + ".join(str(p) for p in paths)
    return validate_config(merged, schema_path, source=source), source
