"""Are service level objectives declared as code?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "slo.defined",
        "bool",
        "Service level objectives are declared as code (OpenSLO, Sloth, slo.yaml, Terraform SLO "
        "resources).",
    ),
)

_SLO_FILE = re.compile(r"(^|/)([^/]*[._-])?slos?\.ya?ml$", re.IGNORECASE)
# OpenSLO (kind: SLO), Sloth's Kubernetes CRD, and Sloth's own format (version prometheus/v1).
_SLO_YAML = re.compile(
    r"^kind:\s*[\"']?(SLO|PrometheusServiceLevel)[\"']?\s*$"
    r"|^version:\s*[\"']?prometheus/v1[\"']?\s*$",
    re.MULTILINE,
)
_SLO_TERRAFORM = re.compile(
    r'^\s*resource\s+"(google_monitoring_slo|datadog_service_level_objective'
    r'|newrelic_service_level|grafana_slo)"',
    re.MULTILINE,
)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    yaml_files = snapshot.with_suffix(".yaml", ".yml")
    # A file named slo.yaml must also say something about objectives to count.
    named = [p for p in yaml_files if _SLO_FILE.search(p)]
    found = [m for m in [snapshot.grep(r"(?i)\b(objective|target|slos?)\s*:", paths=named)] if m]
    if not found:
        found = [m for m in [snapshot.grep(_SLO_YAML, paths=yaml_files)] if m]
    if not found:
        found = [m for m in [snapshot.grep(_SLO_TERRAFORM, suffixes=(".tf",))] if m]
    searched = yaml_files + snapshot.with_suffix(".tf")
    yield boolean("slo.defined", found, snapshot.unreadable_in(searched))


PROBE = Probe(
    id="slo",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for OpenSLO and Sloth documents, slo.yaml files and Terraform SLOs.",
)
