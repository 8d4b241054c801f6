"""Unpacking a downloaded repository archive (GitHub tarball, Azure Repos zip) safely.

An archive is hostile input: members may climb out with ``..`` or absolute paths, link outside
the tree, be devices, or expand to far more than they weigh. Tarballs go through the standard
library's ``data`` filter (no absolute paths, no links leaving the tree, no devices, sane
modes); both formats skip every link, and stop at a file count and a byte budget. The single
top-level folder GitHub adds (``owner-repo-sha/``) is stripped.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

MAX_FILES = 50_000
MAX_TOTAL_BYTES = 512 << 20
MAX_FILE_BYTES = 16 << 20  # probes never read more than 1 MiB of a file; bigger ones are noted


class ArchiveError(Exception):
    """The archive cannot be unpacked at all."""


@dataclass
class Unpacked:
    root: str
    files: int = 0
    bytes: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member, why)


def unpack_tarball(stream: IO[bytes], dest: str, *, strip_top: bool = True) -> Unpacked:
    """Unpack a (gzipped) tar stream into ``dest``, read sequentially (no seeking)."""
    result = Unpacked(dest)
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                name = _relative(member.name, strip_top)
                if name is None:
                    continue
                if not (member.isfile() or member.isdir()):
                    result.skipped.append((name, "links and special files are not unpacked"))
                    continue
                if not _admit(result, name, member.size if member.isfile() else 0):
                    continue
                member.name = name
                try:
                    safe = tarfile.data_filter(member, dest)
                except tarfile.FilterError as exc:
                    result.skipped.append((name, str(exc)))
                    continue
                archive.extract(safe, dest, set_attrs=False, filter="fully_trusted")
                if member.isfile():
                    result.files += 1
                    result.bytes += member.size
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"cannot unpack the tarball: {exc}") from None
    return result


def unpack_zip(path: str, dest: str, *, strip_top: bool = False) -> Unpacked:
    result = Unpacked(dest)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = _relative(info.filename, strip_top)
                if name is None:
                    continue
                mode = (info.external_attr >> 16) & 0o170000
                if mode == 0o120000:  # a symbolic link stored by a Unix zip
                    result.skipped.append((name, "links and special files are not unpacked"))
                    continue
                target = os.path.join(dest, *PurePosixPath(name).parts)
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                if not _admit(result, name, info.file_size):
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                written = _copy_capped(archive.open(info), target, info.file_size)
                if written is None:
                    result.skipped.append((name, "expands beyond its declared size"))
                    continue
                result.files += 1
                result.bytes += written
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(f"cannot unpack the zip: {exc}") from None
    return result


def _relative(raw: str, strip_top: bool) -> str | None:
    """A safe relative POSIX path for a member, or None for the top folder itself."""
    posix = raw.replace("\\", "/")
    if posix.startswith("/"):
        return "\0" + posix
    parts = [p for p in PurePosixPath(posix).parts if p not in ("", ".")]
    if strip_top:
        parts = parts[1:]
    if not parts:
        return None
    if parts[0].startswith("/") or ".." in parts or ":" in parts[0]:
        return "\0" + "/".join(parts)  # rejected by _admit
    return "/".join(parts)


def _admit(result: Unpacked, name: str, size: int) -> bool:
    if name.startswith("\0"):
        result.skipped.append((name[1:], "path leaves the repository"))
        return False
    if result.files >= MAX_FILES:
        result.skipped.append((name, f"more than {MAX_FILES} files"))
        return False
    if size > MAX_FILE_BYTES:
        result.skipped.append((name, f"larger than {MAX_FILE_BYTES >> 20} MiB"))
        return False
    if result.bytes + size > MAX_TOTAL_BYTES:
        result.skipped.append((name, f"the archive expands beyond {MAX_TOTAL_BYTES >> 20} MiB"))
        return False
    return True


def _copy_capped(source: IO[bytes], target: str, declared: int) -> int | None:
    written = 0
    with source, open(target, "wb") as out:
        while chunk := source.read(1 << 16):
            written += len(chunk)
            if written > declared or written > MAX_FILE_BYTES:
                out.close()
                os.unlink(target)
                return None
            out.write(chunk)
    return written


def remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def iter_problems(unpacked: Unpacked) -> Iterable[tuple[str, None, str]]:
    for name, why in unpacked.skipped:
        yield (name, None, f"not unpacked: {why}")
