"""Workflow configuration: validation against the JSON schema, defaults filled in.

Errors come as one line that names the key, e.g.
``config.yaml: unknown key 'windws' at the top level (allowed: release, tfs, ...)``.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

import jsonschema
import yaml

from .errors import DreamTFError
from .features import BIN as FEATURE_BIN

#: the workflow's schema: every setting's default and description, in one file
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
#: settings sections that only a model of one family reads: section -> that family
FAMILY_SECTIONS = {"catchitt": "catchitt", "factornet": "factornet", "ensemble": "ensemble", "interpret": "factornet"}


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
    """Recursively insert schema defaults into ``value`` (a dict/list from YAML)."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key, sub in props.items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                value[key] = _fill_defaults(sub, value[key])
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                if key not in props:
                    value[key] = _fill_defaults(extra, value[key])
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


def validate_config(config: dict, schema_path: str | os.PathLike, source: str = "config.yaml") -> dict:
    """Validate ``config`` against the schema and return a copy with defaults filled in.

    Beyond the schema, checks that every settings section and variant belongs to a model
    in ``models``, that the test, validation and training chromosomes do not overlap and
    that no cell is both a training and a test cell of one TF.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    cfg = _fill_defaults(schema, copy.deepcopy(dict(config)))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        raise DreamTFError(_describe(errors[0], source))
    families = _check_models(config, cfg, source)
    if cfg["release"]["source"] == "http" and "url" not in cfg["release"]:
        raise DreamTFError(f"{source}: 'release.url' is required when release.source is http")
    if cfg["release"]["source"] == "encode":
        _check_encode(cfg, source)
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
    for tf, spec in cfg["tfs"].items():
        both = set(spec["train_cells"]) & set(spec["test_cells"])
        if both:
            raise DreamTFError(f"{source}: 'tfs.{tf}': cell {sorted(both)[0]!r} is both a training and a test cell")
    return cfg


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
    for section, family in FAMILY_SECTIONS.items():
        if raw.get(section) and family not in families:
            fix = "add it to models" if section == family else f"add {family} to models"
            raise DreamTFError(
                f"{source}: '{section}' has settings but {family} is not in models {listed}; {fix} or drop the section"
            )
    return families


def _check_encode(cfg: dict, source: str) -> None:
    """An encode release needs accessions for every file the configured run reads."""
    enc = cfg["release"]["encode"]
    uses = {g for groups in cfg["feature_sets"].values() for g in groups} if "catchitt" in cfg["models"] else set()
    factornet = "factornet" in cfg["models"]
    need_peaks = "dnase_peaks" in uses or (factornet and cfg["factornet"]["open_negatives"] > 0)
    need_rna = "expression" in uses or (factornet and cfg["factornet"]["meta_pcs"] > 0)
    for tf, spec in cfg["tfs"].items():
        for cell in spec["train_cells"] + spec["test_cells"]:
            if cell not in enc.get("chip", {}).get(tf, {}):
                raise DreamTFError(
                    f"{source}: 'release.encode.chip.{tf}.{cell}' is missing: source encode needs the "
                    "conservative and relaxed ChIP-seq peak accessions of every cell in tfs"
                )
            acc = enc.get("accessibility", {}).get(cell)
            if acc is None:
                raise DreamTFError(
                    f"{source}: 'release.encode.accessibility.{cell}' is missing: source encode needs a "
                    "DNase-seq or ATAC-seq signal bigWig accession for every cell in tfs"
                )
            if need_peaks and not {"conservative", "relaxed"} <= set(acc):
                raise DreamTFError(
                    f"{source}: 'release.encode.accessibility.{cell}' needs conservative and relaxed peak "
                    "accessions: the dnase_peaks features or FactorNet's open-chromatin negatives read them"
                )
            if need_rna and cell not in enc.get("rnaseq", {}):
                raise DreamTFError(
                    f"{source}: 'release.encode.rnaseq.{cell}' is missing: the expression features or "
                    "factornet.meta_pcs read RNA-seq"
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
