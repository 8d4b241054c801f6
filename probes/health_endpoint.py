"""Does the service expose a health endpoint, or is it probed for health where it runs?"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from probes.observations import boolean, dependencies_matching, first
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import Match, RepoSnapshot

FACTS = (
    FactSpec(
        "health.endpoint",
        "bool",
        "An HTTP/gRPC health endpoint exists in code, Spring Actuator is used, Kubernetes "
        "liveness/readiness probes are declared, or App Service healthCheckPath is set in IaC.",
    ),
)

LIBRARIES = {
    "nuget": (
        r"Microsoft\.Extensions\.Diagnostics\.HealthChecks(\..+)?",
        r"AspNetCore\.HealthChecks\..+",
        r"Grpc\.HealthCheck",
        r"Grpc\.AspNetCore\.HealthChecks",
    ),
    "maven": (
        r"org\.springframework\.boot:spring-boot-starter-actuator",
        r"io\.micronaut:micronaut-management",
        r"io\.quarkus:quarkus-smallrye-health",
        r"io\.grpc:grpc-services",
    ),
    "pypi": (
        r"grpcio-health-checking",
        r"fastapi-health",
        r"django-health-check",
        r"py-healthcheck",
    ),
    "npm": (
        r"@godaddy/terminus",
        r"@nestjs/terminus",
        r"grpc-health-check",
        r"express-healthcheck",
    ),
    "go": (r"github\.com/heptiolabs/healthcheck", r"github\.com/hellofresh/health-go(/v\d+)?"),
}
_ROUTE = (
    r"""["'`]/(health|healthz|healthcheck|health-check|livez|readyz|liveness|readiness"""
    r"""|ready|live|status/health|actuator/health)(/[\w-]*)?["'`]"""
)
_CODE = (
    (
        re.compile(
            r"\.(MapHealthChecks|AddHealthChecks|UseHealthChecks|MapGrpcHealthChecksService)\s*\(|"
            + _ROUTE
        ),
        (".cs",),
    ),
    (re.compile(_ROUTE + r"|grpc_health\.v1|grpc\.health\.v1|\bhealth_pb2\b"), (".py",)),
    (re.compile(_ROUTE + r"|google\.golang\.org/grpc/health\b"), (".go",)),
    (
        re.compile(_ROUTE + r"|implements\s+HealthIndicator\b|@Liveness\b|@Readiness\b"),
        (".java", ".kt"),
    ),
    (re.compile(_ROUTE), (".ts", ".js", ".mjs")),
)
_PROBES = re.compile(r"^\s*(livenessProbe|readinessProbe|startupProbe)\s*:", re.MULTILINE)
_IAC = re.compile(
    r"\bhealthCheckPath\s*:\s*'|\"healthCheckPath\"\s*:\s*\"[^\"]|\bhealth_check_path\s*=",
)


def _grep(
    snapshot: RepoSnapshot, pattern: re.Pattern[str], suffixes: tuple[str, ...]
) -> Callable[[], list[Match | None]]:
    return lambda: [snapshot.grep(pattern, suffixes=suffixes)]


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    searched_suffixes = {".yaml", ".yml", ".bicep", ".tf", ".json"}
    searched_suffixes.update(s for _, suffixes in _CODE for s in suffixes)
    found = first(
        lambda: dependencies_matching(snapshot, LIBRARIES),
        lambda: [snapshot.grep(_PROBES, suffixes=(".yaml", ".yml"))],
        lambda: [snapshot.grep(_IAC, suffixes=(".bicep", ".tf", ".json"))],
        *(_grep(snapshot, pattern, suffixes) for pattern, suffixes in _CODE),
    )
    problems = snapshot.dependency_problems()
    if not found:  # a source file that could not be read may hold the endpoint
        problems += snapshot.unreadable_in(snapshot.with_suffix(*sorted(searched_suffixes)))
    yield boolean("health.endpoint", found, problems)


PROBE = Probe(
    id="health-endpoint",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for health-check libraries, health routes in code, Kubernetes probes and "
    "App Service health check paths.",
)
