"""A service's remote sources as targets: its code (kind ``repository``) and its platform API.

The code of a remote repository is read by the same ``repository`` collector and probes as a
checkout; the facts only the platform knows (protection, environments, deployments, runs,
alerts) come from target kind ``platform``, whose snapshot speaks for GitHub or Azure DevOps.
"""

from __future__ import annotations

from scanner.models import Service, Target

GITHUB = "github"
AZURE_DEVOPS = "azure-devops"
PLATFORM_KIND = "platform"


def remote_targets(service: Service) -> list[Target]:
    targets = []
    for scheme, sources in ((GITHUB, service.github), (AZURE_DEVOPS, service.azure_devops)):
        for source in sources:
            targets.append(Target("repository", f"{scheme}:{source}"))
            targets.append(Target(PLATFORM_KIND, f"{scheme}:{source}"))
    return targets


def split_location(location: str) -> tuple[str, str] | None:
    """``github:owner/name`` → (``github``, ``owner/name``); None for a local path."""
    scheme, sep, rest = location.partition(":")
    if sep and scheme in (GITHUB, AZURE_DEVOPS) and rest:
        return scheme, rest
    return None
