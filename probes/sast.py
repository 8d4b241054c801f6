"""Does CI run static analysis of the code (SAST)?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean, matching_steps
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "security.sast",
        "bool",
        "Static application security testing runs in CI (CodeQL, Semgrep, Bandit, Sonar, gosec, "
        "Snyk, Microsoft Security DevOps …).",
    ),
)

_ACTIONS = re.compile(
    r"^(github/codeql-action/(init|analyze|autobuild)|returntocorp/semgrep-action"
    r"|semgrep/semgrep-action|sonarsource/sonar(cloud|qube)-(github-action|scan-action)"
    r"|sonarsource/sonarqube-scan-action|securego/gosec|snyk/actions(/[\w-]+)?"
    r"|microsoft/security-devops-action|pycqa/bandit-action|mdegis/bandit-action"
    r"|shiftleft/scan-action|checkmarx(-ts)?/[\w-]+|fortify/[\w-]+)$",
    re.IGNORECASE,
)
_TASKS = re.compile(
    r"^(SonarCloud(Prepare|Analyze)|SonarQube(Prepare|Analyze)|MicrosoftSecurityDevOps"
    r"|AdvancedSecurity-Codeql-(Init|Analyze)|SnykSecurityScan|Semmle|CodeQL\w*"
    r"|checkmarx\w*|fortify\w*)$",
    re.IGNORECASE,
)
_COMMANDS = re.compile(
    r"""
      (^|[\s;&|(])(semgrep\s+(scan|ci|--config)|bandit\s|gosec\s|sonar-scanner\b)
    | \bcodeql\s+database\s+(create|analyze)\b
    | \bdotnet[\s-]+sonarscanner\b | \bSonarScanner\.MSBuild\b
    | \b(mvn|mvnw|gradle|gradlew)\b[^\n]*\bsonar(:sonar|qube)?\b
    | \bsnyk\s+code\s+test\b
    | \bspotbugs\b[^\n]*findsecbugs | \bfindsecbugs\b
    """,
    re.VERBOSE | re.MULTILINE,
)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = matching_steps(
        snapshot, run=_COMMANDS, uses=_ACTIONS, task=lambda s: bool(_TASKS.match(s.task_name))
    )
    yield boolean("security.sast", found, snapshot.pipeline_problems())


PROBE = Probe(
    id="sast",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for static-analysis actions, tasks and commands in pipeline steps.",
)
