"""The collector for target kind ``repository``: a local directory, read into a RepoSnapshot."""

from __future__ import annotations

import os

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


def fingerprint_repository(target: Target) -> str | None:
    """A remote repository's head commit (conditional request); None for a local checkout."""
    remote = split_location(target.location)
    if remote is None:
        return None
    from scanner.remote import repository

    return repository.fingerprint(*remote)


COLLECTOR = Collector(
    kind="repository",
    collect=collect_repository,
    description="Lists a local checkout (git's view, or a .gitignore-aware walk), or the default "
    "branch of a GitHub / Azure Repos repository downloaded once, and reads manifests, pipelines "
    "and code on demand.",
    fingerprint=fingerprint_repository,
)
