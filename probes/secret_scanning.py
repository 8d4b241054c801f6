"""Are commits scanned for secrets, in CI or in a pre-commit hook?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean, matching_steps, task_input
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot, Step
from scanner.safeyaml import YamlMap

FACTS = (
    FactSpec(
        "security.secret_scanning",
        "bool",
        "Secret scanning runs in CI or as a pre-commit hook (gitleaks, trufflehog, detect-secrets, "
        "ggshield, credscan).",
    ),
)

_SCANNERS = r"(gitleaks|trufflehog|detect-secrets|ggshield|git-secrets|talisman|credscan)"
_ACTIONS = re.compile(
    r"^(gitleaks/gitleaks-action|trufflesecurity/trufflehog|gitguardian/ggshield-action"
    r"|gitguardian/ggshield/actions/[\w-]+|reviewdog/action-detect-secrets)$",
    re.IGNORECASE,
)
_COMMANDS = re.compile(rf"(^|[\s;&|(/]){_SCANNERS}(\s|$)", re.MULTILINE | re.IGNORECASE)
_TASKS = re.compile(r"^(CredScan|PostAnalysis)$", re.IGNORECASE)


def _scanner_task(step: Step) -> bool:
    if _TASKS.match(step.task_name):
        return True
    # Microsoft Security DevOps runs credscan only where it is asked for (it is Windows-only).
    if step.task_name.lower() in ("microsoft/security-devops-action", "microsoftsecuritydevops"):
        return "credscan" in task_input(step, "tools", "categories").lower()
    return False


def _pre_commit_hooks(snapshot: RepoSnapshot) -> Iterator[Locator]:
    path = ".pre-commit-config.yaml"
    if not snapshot.exists(path):
        return
    documents = snapshot.read_yaml(path) or [None]
    config = documents[0]
    repos = config.get("repos") if isinstance(config, dict) else None
    for repo in repos if isinstance(repos, list) else ():
        if not isinstance(repo, dict):
            continue
        for hook in repo.get("hooks") or ():
            if isinstance(hook, dict) and re.search(_SCANNERS, str(hook.get("id", "")), re.I):
                yield Locator(path=path, line=hook.line if isinstance(hook, YamlMap) else None)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found: list[Step | Locator] = []
    found += matching_steps(snapshot, run=_COMMANDS, uses=_ACTIONS, task=_scanner_task)
    found += _pre_commit_hooks(snapshot)
    problems = snapshot.pipeline_problems() + snapshot.problems_in([".pre-commit-config.yaml"])
    yield boolean("security.secret_scanning", found, problems)


PROBE = Probe(
    id="secret-scanning",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for secret scanners in pipeline steps and .pre-commit-config.yaml.",
)
