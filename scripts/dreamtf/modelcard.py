"""Model cards: what each trained model was trained on, and proof that no held-out chromosome was.

A card is a JSON file beside the model (``<model file stem>.card.json``) with the model
kind, TF, feature set, training cells, the chromosomes whose windows it trained and
stopped early on (read from the windows actually used, not from the config), window
counts, seed, settings and the versions of Python and the libraries that trained it.
Writing a card checks the chromosomes against the held-out ones: a model that saw a
held-out chromosome is an error, and neither the card nor (in the rules) the model is
kept.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
from importlib import metadata

from .errors import DreamTFError
from .io.files import atomic_write_text


def versions(*packages: str) -> dict[str, str]:
    """Python and each package's version: the loaded module's ``__version__`` (what trained the
    model), else the installed distribution's (of that name, or the one that installs the module:
    pip's xgboost-cpu is the module xgboost), else ``"not installed"``."""
    out = {"python": platform.python_version()}
    for name in ("dreamtf", "numpy", *packages):
        loaded = getattr(sys.modules.get(name), "__version__", None)
        if loaded:
            out[name] = str(loaded)
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            providers = _module_distributions().get(name, [])
            out[name] = metadata.version(providers[0]) if providers else "not installed"
    return out


@functools.cache
def _module_distributions() -> dict[str, list[str]]:
    # a scan of every installed distribution (about a second): once, and only for a module whose
    # distribution has another name
    return metadata.packages_distributions()


def model_card(
    *,
    model: str,
    tf: str,
    feature_set: str,
    cells: list[str],
    trained_on: list[str],
    validated_on: list[str],
    held_out: list[str],
    windows: dict,
    seed: int,
    settings: dict,
    packages: tuple[str, ...] = (),
    learned_motifs: dict | None = None,
) -> dict:
    """The card's content; raises :class:`DreamTFError` when a held-out chromosome was used.

    ``learned_motifs`` is the record of rule learn_motifs when the feature set scans motifs
    learned from the training cells: the chromosomes it read must be training ones only.
    """
    used = sorted(set(trained_on) | set(validated_on))
    leak = sorted(set(used) & set(held_out))
    if leak:
        raise DreamTFError(
            f"{model} {feature_set} {tf}: held-out chromosome {leak[0]} was used for training or early stopping"
        )
    extra = {}
    if learned_motifs is not None:
        read = sorted(learned_motifs["chromosomes_read"])
        leak = sorted(set(read) & (set(held_out) | set(validated_on)))
        if leak:
            raise DreamTFError(f"{model} {feature_set} {tf}: the learned motifs read chromosome {leak[0]}")
        extra["learned_motifs"] = {
            "motifs": [m["id"] for m in learned_motifs["motifs"]],
            "learned_on": read,
            "what": "motifs learned from the training cells' labels on these chromosomes only; the "
            "validation and held-out chromosomes were never read for them",
        }
    return {
        "model": model,
        "tf": tf,
        "feature_set": feature_set,
        "training_cells": list(cells),
        "chromosomes": {
            "trained_on": sorted(trained_on),
            "early_stopping_on": sorted(validated_on),
            "held_out": sorted(held_out),
        },
        "held_out_check": {
            "passed": True,
            "what": "the chromosomes of every window the model trained or stopped early on, against the held-out ones",
        },
        "windows": windows,
        "seed": seed,
        "settings": settings,
        "versions": versions(*packages),
        **extra,
    }


def write_model_card(path: str | os.PathLike, card: dict) -> None:
    with atomic_write_text(path) as fh:
        json.dump(card, fh, indent=1, default=str)
        fh.write("\n")
