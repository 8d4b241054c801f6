"""Does the service use a retry or circuit-breaker library?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.observations import boolean, dependencies_matching
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "resilience.library",
        "bool",
        "A retry / circuit-breaker library is a direct dependency (Polly, "
        "Microsoft.Extensions.Http.Resilience, resilience4j, tenacity, backoff, cockatiel, "
        "gobreaker …).",
    ),
)

LIBRARIES = {
    "nuget": (
        r"Polly(\..+)?",
        r"Microsoft\.Extensions\.Http\.Polly",
        r"Microsoft\.Extensions\.(Http\.)?Resilience",
    ),
    "maven": (
        r"io\.github\.resilience4j:.+",
        r"dev\.failsafe:failsafe(-.+)?",
        r"net\.jodah:failsafe",
        r"org\.springframework\.retry:spring-retry",
        r"org\.springframework\.cloud:spring-cloud-starter-circuitbreaker-.+",
        r"com\.netflix\.hystrix:.+",
    ),
    "pypi": (
        r"tenacity",
        r"backoff",
        r"stamina",
        r"retrying",
        r"retry",
        r"pybreaker",
        r"circuitbreaker",
        r"aiobreaker",
    ),
    "npm": (
        r"cockatiel",
        r"opossum",
        r"p-retry",
        r"async-retry",
        r"axios-retry",
        r"retry",
        r"exponential-backoff",
    ),
    "go": (
        r"github\.com/hashicorp/go-retryablehttp",
        r"github\.com/sony/gobreaker(/v\d+)?",
        r"github\.com/cenkalti/backoff(/v\d+)?",
        r"github\.com/avast/retry-go(/v\d+)?",
        r"github\.com/eapache/go-resiliency",
        r"github\.com/afex/hystrix-go",
        r"github\.com/failsafe-go/failsafe-go",
    ),
}


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = dependencies_matching(snapshot, LIBRARIES)
    yield boolean("resilience.library", found, snapshot.dependency_problems())


PROBE = Probe(
    id="resilience",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for retry and circuit-breaker libraries among direct dependencies.",
)
