"""A problem met while reading a repository: recorded, reported, never raised."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """A file (or folder) that could not be read or understood. ``line`` is 1-based or None."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
