"""The collector for target kind ``repository``: a local directory, read into a RepoSnapshot."""

from __future__ import annotations

import os
import subprocess

from scanner.collect import CollectError, Collector
from scanner.models import Target
from scanner.remote.targets import split_location
from scanner.repository.files import list_files
from scanner.repository.snapshot import RepoSnapshot


def collect_repository(target: Target) -> RepoSnapshot:
    """List the repository at ``target.location`` once; probes then read what they need.

    ``github:owner/name`` and ``azure-devops:org/project/repo`` are downloaded first.
    """
    remote = split_location(target.location)
    if remote is not None:
        from scanner.remote import repository

        return repository.collect(*remote)
    root = os.path.abspath(os.path.expanduser(target.location))
    if not os.path.exists(root):
        raise CollectError(f"{root}: no such directory")
    if not os.path.isdir(root):
        raise CollectError(f"{root}: not a directory")
    try:
        with os.scandir(root):
            pass
    except OSError as error:
        raise CollectError(f"{root}: cannot list: {error.strerror or error}") from None
    return RepoSnapshot(root, list_files(root))


GIT_TIMEOUT_SECONDS = 10.0


def fingerprint_repository(target: Target) -> str | None:
    """A remote repository's head commit (a conditional request); for a local checkout
    ``git:<HEAD sha>`` when it is clean, None (read it again) otherwise.

    One ``git status`` call: its ``--porcelain=v2 --branch`` header names the commit, and any
    entry below it (a modified, staged or untracked file under the target folder) means the
    working tree differs from the commit — the tree is then read again, every time, because
    the status of an already-modified file does not change when it is edited again.
    """
    remote = split_location(target.location)
    if remote is not None:
        from scanner.remote import repository

        return repository.fingerprint(*remote)
    root = os.path.abspath(os.path.expanduser(target.location))
    if not os.path.isdir(root):
        return None
    try:
        done = subprocess.run(
            ["git", "-C", root, "status", "--porcelain=v2", "--branch", "-z", "--", "."],
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None  # not a checkout (or git refuses it): cannot tell cheaply
    head = None
    for entry in done.stdout.split(b"\0"):
        if entry.startswith(b"# branch.oid "):
            head = entry.removeprefix(b"# branch.oid ").decode("ascii", "replace")
        elif entry and not entry.startswith(b"#"):
            return None  # a dirty tree: read it again
    if head is None or head == "(initial)":
        return None
    # The folder inside the checkout is part of the target string already; the reader's own
    # version makes a release that reads repositories differently read everything again.
    return f"git:{head}/{READER_VERSION}"


READER_VERSION = "r1"  # bump when collect_repository starts to read a checkout differently

COLLECTOR = Collector(
    kind="repository",
    collect=collect_repository,
    fingerprint=fingerprint_repository,
    description="Lists a local checkout (git's view, or a .gitignore-aware walk), or the default "
    "branch of a GitHub / Azure Repos repository downloaded once, and reads manifests, pipelines "
    "and code on demand.",
)
