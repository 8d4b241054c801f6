"""Does the service emit telemetry through an SDK (OpenTelemetry, Application Insights,
Azure Monitor, Prometheus)?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.dockerfile import DOCKERFILE
from probes.observations import boolean, dependencies_matching, first
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "telemetry.sdk",
        "bool",
        "A telemetry SDK is used: OpenTelemetry, Application Insights, Azure Monitor exporter or "
        "a Prometheus client.",
    ),
)

LIBRARIES = {
    "nuget": (
        r"OpenTelemetry(\..+)?",
        r"Microsoft\.ApplicationInsights(\..+)?",
        r"Azure\.Monitor\.OpenTelemetry\..+",
        r"prometheus-net(\..+)?",
    ),
    "maven": (
        r"io\.opentelemetry(\..+)?:.+",
        r"com\.microsoft\.azure:applicationinsights-.+",
        r"com\.azure:azure-monitor-opentelemetry-.+",
        r"com\.azure\.spring:spring-cloud-azure-starter-monitor",
        r"io\.micrometer:micrometer-(registry-.+|tracing-bridge-otel)",
        r"io\.prometheus:.+",
    ),
    "pypi": (
        r"opentelemetry-.+",
        r"azure-monitor-opentelemetry(-.+)?",
        r"opencensus-ext-azure",
        r"applicationinsights",
        r"prometheus-client",
        r"prometheus-fastapi-instrumentator",
    ),
    "npm": (
        r"@opentelemetry/.+",
        r"applicationinsights",
        r"@azure/monitor-opentelemetry(-.+)?",
        r"@microsoft/applicationinsights-.+",
        r"prom-client",
    ),
    "go": (
        r"go\.opentelemetry\.io/.+",
        r"github\.com/prometheus/client_golang",
        r"github\.com/microsoft/ApplicationInsights-Go",
    ),
}
# A Java agent attached at start-up instruments without a declared dependency.
_AGENT = re.compile(r"-javaagent:\S*(opentelemetry-javaagent|applicationinsights-agent)\S*\.jar")


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    dockerfiles = snapshot.files_named(DOCKERFILE)
    found = first(
        lambda: dependencies_matching(snapshot, LIBRARIES),
        lambda: [snapshot.grep(_AGENT, paths=dockerfiles)],
    )
    yield boolean("telemetry.sdk", found, snapshot.dependency_problems())


PROBE = Probe(
    id="telemetry",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for OpenTelemetry, Application Insights, Azure Monitor and Prometheus "
    "client libraries in manifests, and telemetry Java agents in Dockerfiles.",
)
