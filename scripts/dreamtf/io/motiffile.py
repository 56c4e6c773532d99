"""Motif files: JASPAR (``>ID NAME`` then A/C/G/T count rows) and MEME (letter-probability matrices)."""

from __future__ import annotations

import numpy as np

from ..errors import DreamTFError
from .files import open_text


def read_motif_counts(path, tf: str) -> tuple[str, np.ndarray]:
    """The matrix for ``tf`` from a JASPAR (``>ID NAME`` + A/C/G/T count rows) or MEME file.

    Picks the motif whose id or name equals ``tf`` (case-insensitive), else the first one.
    Returns its id and its (length, 4) count matrix (MEME probabilities times 100).
    """
    motifs = read_motif_file_counts(path)
    if not motifs:
        raise DreamTFError(f"{path}: no motif found (expected JASPAR or MEME format)")
    pick = next((m for m in motifs if tf.upper() in (m[0].upper(), m[1].upper())), motifs[0])
    return pick[0], pick[2]


def read_motif_file_counts(path) -> list[tuple[str, str, np.ndarray]]:
    """Every motif of a JASPAR or MEME file as (id, name, (length, 4) counts), in file order.

    A MEME file with its header and no motif gives an empty list (a motif finder that found
    nothing); any other file without a motif is refused.
    """
    with open_text(path, "a JASPAR or MEME motif file") as fh:
        text = fh.read()
    motifs: list[tuple[str, str, np.ndarray]] = []
    if "letter-probability matrix" in text:  # MEME
        blocks = text.split("\nMOTIF ")[1:] if not text.startswith("MOTIF ") else text.split("MOTIF ")[1:]
        for b in blocks:
            lines = b.splitlines()
            ids = lines[0].split() if lines else []
            if not ids:
                raise DreamTFError(f"{path}: a MOTIF line without a motif id (expected MEME format)")
            rows, started = [], False
            for line in lines[1:]:
                if line.startswith("letter-probability matrix"):
                    started = True
                    continue
                if started:
                    vals = line.split()
                    if len(vals) != 4:
                        if rows:
                            break
                        continue
                    try:
                        rows.append([float(v) for v in vals])
                    except ValueError:
                        break
            if rows:
                motifs.append((ids[0], ids[1] if len(ids) > 1 else ids[0], np.array(rows) * 100))
    else:  # JASPAR
        for block in text.split(">")[1:]:
            lines = [ln for ln in block.splitlines() if ln.strip()]
            if not lines:
                raise DreamTFError(f"{path}: a '>' line without a motif id (expected JASPAR format)")
            head = lines[0].split()
            counts = {}
            for ln in lines[1:]:
                base = ln.strip()[0].upper()
                nums = ln.replace("[", " ").replace("]", " ").split()[1:]
                try:
                    counts[base] = [float(v) for v in nums]
                except ValueError:
                    raise DreamTFError(f"{path}: bad count row in motif {head[0]}: {ln.strip()[:60]!r}") from None
            if set(counts) != set("ACGT") or len({len(v) for v in counts.values()}) != 1:
                raise DreamTFError(f"{path}: motif {head[0]} needs A, C, G and T rows of equal length")
            motifs.append((head[0], head[1] if len(head) > 1 else head[0], np.array([counts[b] for b in "ACGT"]).T))
    if not motifs and not text.startswith("MEME version"):
        raise DreamTFError(f"{path}: no motif found (expected JASPAR or MEME format)")
    return motifs


def write_meme(path, motifs: list[tuple[str, str, np.ndarray, int]]) -> None:
    """Write motifs (id, name, (length, 4) probabilities, sites) as a MEME text file, atomically."""
    from .files import atomic_write_text

    with atomic_write_text(path) as fh:
        fh.write("MEME version 5\n\nALPHABET= ACGT\n\nstrands: + -\n\n")
        fh.write("Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n")
        for mid, name, probs, sites in motifs:
            probs = np.asarray(probs, dtype=np.float64)
            fh.write(f"MOTIF {mid} {name}\n")
            fh.write(f"letter-probability matrix: alength= 4 w= {len(probs)} nsites= {sites} E= 0\n")
            for row in probs / probs.sum(axis=1, keepdims=True):
                fh.write(" ".join(f"{v:.6f}" for v in row) + "\n")
            fh.write("\n")
