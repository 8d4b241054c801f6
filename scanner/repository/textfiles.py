"""Bounded, link-safe reads of one file, its decoding, and finding code (not comments) in it."""

from __future__ import annotations

import errno
import os
import re
import stat

_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY_SNIFF = 8192

# Comment leaders by file suffix; a line that starts with one is not code.
COMMENT_PREFIXES: dict[str, tuple[str, ...]] = {
    ".py": ("#",), ".yaml": ("#",), ".yml": ("#",), ".toml": ("#",), ".tf": ("#", "//"),
    ".sh": ("#",), ".ps1": ("#",), ".properties": ("#", "!"), ".rb": ("#",),
    ".cs": ("//", "/*", "*"), ".java": ("//", "/*", "*"), ".kt": ("//", "/*", "*"),
    ".scala": ("//", "/*", "*"), ".go": ("//", "/*", "*"), ".js": ("//", "/*", "*"),
    ".mjs": ("//", "/*", "*"), ".cjs": ("//", "/*", "*"), ".ts": ("//", "/*", "*"),
    ".tsx": ("//", "/*", "*"), ".jsx": ("//", "/*", "*"), ".bicep": ("//", "/*", "*"),
    ".fs": ("//", "(*"), ".gradle": ("//", "/*", "*"), ".kts": ("//", "/*", "*"),
    ".xml": ("<!--",), ".config": ("<!--",), ".json": ("//",),
}  # fmt: skip


class ReadError(Exception):
    """A file that cannot be read as text; ``line`` is 1-based when the fault has one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_regular_file(full: str, root_real: str, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``full``, at most ``max_bytes`` of them.

    The size is checked on the open descriptor before anything is read, so a huge file costs
    one ``fstat``. Opening is non-blocking (a FIFO cannot hang the scan) and does not follow
    a final link unless it resolves inside ``root_real``.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | _NO_FOLLOW
    try:
        try:
            fd = os.open(full, flags)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            real = os.path.realpath(full)  # an in-tree link: check where it really goes
            if not real.startswith(root_real + os.sep):
                raise ReadError("symbolic link leads outside the repository") from None
            fd = os.open(real, flags & ~_NO_FOLLOW)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ReadError("not a regular file")
            if info.st_size > max_bytes:
                raise ReadError(f"too large to read ({info.st_size} bytes, limit {max_bytes})")
            data = os.read(fd, max_bytes + 1)
        finally:
            os.close(fd)
    except OSError as error:
        raise ReadError(f"cannot read: {error.strerror or error}") from None
    if len(data) > max_bytes:  # grew while we looked
        raise ReadError(f"too large to read (limit {max_bytes} bytes)")
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), or UTF-16 when a byte-order mark says so."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("not valid UTF-16 text") from None
    if b"\0" in data[:_BINARY_SNIFF]:
        raise ReadError("binary content where text was expected")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadError("not valid UTF-8 text", data[: error.start].count(b"\n") + 1) from None


def first_code_match(
    text: str, regex: re.Pattern[str], comments: tuple[str, ...]
) -> tuple[int, str] | None:
    """(1-based line, stripped line text) of the first match not on a comment line."""
    for found in regex.finditer(text):
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.start())
        line_text = text[start : end if end != -1 else len(text)]
        if comments and line_text.lstrip().startswith(comments):
            continue
        return text.count("\n", 0, found.start()) + 1, line_text.strip()
    return None
