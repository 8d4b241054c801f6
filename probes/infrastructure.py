"""Which kinds of infrastructure as code does the repository hold?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import unknown_reason
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.repository import Match, RepoSnapshot

FACTS = (
    FactSpec(
        "iac.kinds",
        "list[str]",
        "Infrastructure-as-code kinds present: subset of bicep, terraform, arm, helm, kubernetes, "
        "pulumi, cloudformation, docker-compose (sorted).",
    ),
)

_BY_SUFFIX = {"bicep": (".bicep", ".bicepparam"), "terraform": (".tf",)}
_BY_NAME = {
    "helm": ("Chart.yaml", "Chart.yml"),
    "pulumi": ("Pulumi.yaml", "Pulumi.yml"),
    "kubernetes": ("kustomization.yaml", "kustomization.yml", "Kustomization"),
}
_COMPOSE = re.compile(r"(docker-)?compose([.-][^/]*)?\.ya?ml", re.IGNORECASE)
_ARM_SCHEMA = re.compile(
    r'"\$schema"\s*:\s*"https?://schema\.management\.azure\.com/schemas/[^"]*'
    r"[dD]eploymentTemplate\.json"
)
_CLOUDFORMATION = re.compile(r"^\s*\"?AWSTemplateFormatVersion\"?\s*:", re.M)
# A Kubernetes object: a top-level kind the API server serves.
_KUBERNETES_KIND = re.compile(
    r"^kind:\s*[\"']?(Deployment|StatefulSet|DaemonSet|Service|Ingress|ConfigMap|Secret|CronJob"
    r"|Job|Pod|Namespace|HorizontalPodAutoscaler|PodDisruptionBudget|NetworkPolicy"
    r"|ServiceAccount|Role|RoleBinding|ClusterRole|ClusterRoleBinding|PersistentVolumeClaim"
    r"|ScaledObject)[\"']?\s*$",
    re.M,
)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    evidence: dict[str, Locator] = {}
    yaml_files = snapshot.with_suffix(".yaml", ".yml")
    json_files = snapshot.with_suffix(".json")
    for kind, suffixes in _BY_SUFFIX.items():
        paths = snapshot.with_suffix(*suffixes)
        if paths:
            evidence[kind] = Locator(path=paths[0])
    for kind, names in _BY_NAME.items():
        paths = snapshot.named(*names)
        if paths:
            evidence[kind] = Locator(path=paths[0])
    compose = next((p for p in yaml_files if _COMPOSE.fullmatch(p.rpartition("/")[2])), None)
    if compose:
        evidence["docker-compose"] = Locator(path=compose)
    searched: list[str] = []
    if "arm" not in evidence:
        searched += json_files
        _add(evidence, "arm", snapshot.grep(_ARM_SCHEMA, paths=json_files))
    if "cloudformation" not in evidence:
        candidates = yaml_files + json_files + snapshot.with_suffix(".template")
        searched += candidates
        _add(evidence, "cloudformation", snapshot.grep(_CLOUDFORMATION, paths=candidates))
    if "kubernetes" not in evidence:
        # Templates inside a Helm chart are Helm's; plain manifests are Kubernetes'.
        charts = tuple(p.rpartition("/")[0] + "/" for p in snapshot.named(*_BY_NAME["helm"]))
        plain = [p for p in yaml_files if not (charts and p.startswith(charts))]
        searched += plain
        _add(evidence, "kubernetes", snapshot.grep(_KUBERNETES_KIND, paths=plain))
    kinds = sorted(evidence)
    problems = snapshot.unreadable_in(searched)
    reason = unknown_reason(problems) if problems else None
    # The kinds found are certain; a file that could not be read may hide another kind.
    yield Observation("iac.kinds", kinds, tuple(evidence[k] for k in kinds), reason)


def _add(evidence: dict[str, Locator], kind: str, match: Match | None) -> None:
    if match:
        evidence[kind] = Locator(path=match.path, line=match.line)


PROBE = Probe(
    id="infrastructure",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for Bicep, Terraform, ARM templates, Helm charts, Kubernetes manifests, "
    "Pulumi, CloudFormation and Compose files.",
)
