"""Tab-separated data files under retrieval/data/: one row per line, # starts a comment."""
from __future__ import annotations

from pathlib import Path


def rows(path: Path, columns: int) -> list[list[str]]:
    """The rows of a data file, each split into exactly `columns` fields (ValueError otherwise)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) != columns:
                raise ValueError(f"{path.name}:{n}: {len(fields)} fields, expected {columns}")
            out.append(fields)
    return out
