"""The code of a remote repository, read by the same ``repository`` collector as a checkout.

``fingerprint`` asks for the default branch's head commit with conditional requests (a 304 is
free); when it matches the last scan's, the engine reuses that evidence and nothing is
downloaded. ``collect`` downloads the tree at that commit once (GitHub tarball, Azure Repos
zip), unpacks it safely into a temporary folder that lives as long as the snapshot, and builds
the same ``RepoSnapshot`` the local probes read.
"""

from __future__ import annotations

import weakref

from scanner.collect import CollectError
from scanner.remote import azure_devops, github
from scanner.remote.archive import iter_problems, remove_tree
from scanner.remote.context import current
from scanner.remote.http import RemoteError
from scanner.remote.targets import GITHUB
from scanner.repository.problems import Problem
from scanner.repository.snapshot import RepoSnapshot


def head(scheme: str, location: str) -> str:
    context = current()
    if scheme == GITHUB:
        return github.client(context).head(location)[1]
    return azure_devops.client(context).head(location)[1]


def fingerprint(scheme: str, location: str) -> str | None:
    try:
        return head(scheme, location)
    except RemoteError:
        return None  # collect will say why


def collect(scheme: str, location: str) -> RepoSnapshot:
    context = current()
    try:
        if scheme == GITHUB:
            gh = github.client(context)
            sha = gh.head(location)[1]
            root, unpacked = gh.download_tree(location, sha)
        else:
            ado = azure_devops.client(context)
            sha = ado.head(location)[1]
            root, unpacked = ado.download_tree(location, sha)
    except RemoteError as exc:
        raise CollectError(exc.reason) from None
    try:
        snapshot = RepoSnapshot(root)
    except BaseException:
        remove_tree(root)
        raise
    weakref.finalize(snapshot, remove_tree, root)
    snapshot.problems.extend(Problem(*p) for p in iter_problems(unpacked))
    snapshot.version = sha  # type: ignore[attr-defined]
    return snapshot
