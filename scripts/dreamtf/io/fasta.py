"""FASTA files, base codes, and the memory-mapped genome code cache.

Base codes: A=0, C=1, G=2, T=3, anything else (N, IUPAC) 4; lower case (soft-masked)
bases get the same codes as upper case. The code cache is one flat uint8 file of every
chromosome's codes plus a JSON index ``{chrom: [offset, length]}``; it is
memory-mapped, so a job touches only the bases it reads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np

from ..errors import DreamTFError
from .files import atomic_path, gzip_sink, open_text
from .memmap import ChromArrays, write_chrom_arrays

BASES = np.frombuffer(b"ACGTN", dtype=np.uint8)
#: the complement of each base code (A<->T, C<->G, N stays N): COMPLEMENT[codes]
COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of base codes 0-4 along the last axis (N stays N)."""
    return COMPLEMENT[codes[..., ::-1]]


def to_codes(seq: bytes) -> np.ndarray:
    """ASCII sequence (any case) to base codes 0-4."""
    lut = np.full(256, 4, dtype=np.uint8)
    for i, b in enumerate(b"ACGT"):
        lut[b] = i
        lut[b + 32] = i
    return lut[np.frombuffer(seq, dtype=np.uint8)]


def iter_fasta(path: str | os.PathLike) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, sequence)`` per record of a (gzipped) FASTA, one at a time.

    The name is the header up to the first white space. Sequence bytes keep their case.
    """
    name: str | None = None
    chunks: list[bytes] = []
    with open_text(path, "a FASTA file") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith(">"):
                if name is not None:
                    yield name, b"".join(chunks)
                name = line[1:].split(maxsplit=1)[0] if line[1:].strip() else ""
                if not name:
                    raise DreamTFError(f"{path}, line {lineno}: FASTA header without a name")
                chunks = []
            elif name is None:
                if line.strip():
                    raise DreamTFError(f"{path}, line {lineno}: sequence before the first '>' header")
            else:
                try:
                    chunks.append(line.rstrip("\r\n").encode("ascii"))
                except UnicodeEncodeError:
                    raise DreamTFError(f"{path}, line {lineno}: non-ASCII characters in a sequence line") from None
    if name is not None:
        yield name, b"".join(chunks)


def iter_fasta_codes(path: str | os.PathLike, chroms: set[str]) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, codes)`` for the records named in ``chroms``, in file order; all must be present."""
    found = set()
    for name, seq in iter_fasta(path):
        if name in chroms:
            found.add(name)
            yield name, to_codes(seq)
    if chroms - found:
        raise DreamTFError(f"{path}: no sequence for {sorted(chroms - found)[0]!r}; chromosome names must agree")


def fasta_sizes(path: str | os.PathLike) -> dict[str, int]:
    """Chromosome lengths of a FASTA, read in one streaming pass."""
    sizes: dict[str, int] = {}
    for name, seq in iter_fasta(path):
        if name in sizes:
            raise DreamTFError(f"{path}: sequence {name!r} appears twice")
        sizes[name] = len(seq)
    if not sizes:
        raise DreamTFError(f"{path}: no FASTA records found")
    return sizes


def write_fasta_record(fh, name: str, codes: np.ndarray, width: int = 50) -> None:
    """Write one record of base codes to a binary file handle, ``width`` bases a line."""
    fh.write(f">{name}\n".encode())
    ascii_seq = BASES[codes]
    full = len(codes) // width
    step = 200_000
    for a in range(0, full, step):
        b = min(full, a + step)
        block = np.empty((b - a, width + 1), dtype=np.uint8)
        block[:, :width] = ascii_seq[a * width : b * width].reshape(-1, width)
        block[:, width] = 10
        fh.write(block.tobytes())
    if len(codes) % width:
        fh.write(ascii_seq[full * width :].tobytes() + b"\n")


@contextlib.contextmanager
def fasta_writer(path: str | os.PathLike, level: int = 1) -> Iterator:
    """A binary handle for :func:`write_fasta_record` onto a gzipped FASTA, written atomically.

    The gzip header carries no time stamp, so the same records give the same bytes.
    """
    with atomic_path(path) as tmp:
        raw, gz = gzip_sink(tmp, level)
        try:
            yield gz
        finally:
            gz.close()
            raw.close()


def write_genome_codes(fasta, out_codes, out_index) -> dict[str, list[int]]:
    """Decode a FASTA once into a memory-mappable uint8 file of base codes with its index."""
    seen: set[str] = set()

    def items():
        for name, seq in iter_fasta(fasta):
            if name in seen:
                raise DreamTFError(f"{fasta}: sequence {name!r} appears twice")
            seen.add(name)
            yield name, [to_codes(seq)]

    return write_chrom_arrays(out_codes, out_index, items(), np.uint8)


class GenomeCodes(ChromArrays):
    """Memory-mapped base codes of every chromosome (written by :func:`write_genome_codes`)."""
