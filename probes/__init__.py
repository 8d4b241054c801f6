"""The built-in probes: a plugin registered under the ``fundamentals`` entry point, like any other.

Adding a probe: write ``probes/<name>.py`` with ``FACTS`` and ``PROBE``, add one line below, a
test in ``tests/probes/`` and a row in ``docs/probes.md``.
"""

from __future__ import annotations

from probes import (
    alerts,
    automated_tests,
    azure_health,
    azure_monitoring,
    azure_recovery,
    azure_redundancy,
    azure_security,
    azure_sli,
    branch_protection,
    ci_health,
    ci_systems,
    ci_tests,
    codeowners,
    codeowners_validity,
    dashboards,
    deployment,
    dockerfile,
    dora,
    environments,
    health_endpoint,
    infrastructure,
    performance_tests,
    readme,
    resilience,
    runbook,
    sast,
    secret_scanning,
    security_policy,
    security_posture,
    slo,
    stacks,
    structured_logging,
    telemetry,
    update_bot,
    zone_redundancy,
)
from scanner.azure.collector import COLLECTORS as AZURE_COLLECTORS
from scanner.collect import Collector
from scanner.hookspecs import hookimpl
from scanner.probe import Probe
from scanner.remote.platform import COLLECTOR as PLATFORM_COLLECTOR
from scanner.repository import COLLECTOR


@hookimpl
def fundamentals_probes() -> list[Probe]:
    return [
        readme.PROBE,
        codeowners.PROBE,
        security_policy.PROBE,
        runbook.PROBE,
        stacks.PROBE,
        ci_systems.PROBE,
        ci_tests.PROBE,
        deployment.PROBE,
        update_bot.PROBE,
        sast.PROBE,
        secret_scanning.PROBE,
        automated_tests.PROBE,
        performance_tests.PROBE,
        infrastructure.PROBE,
        zone_redundancy.PROBE,
        dockerfile.PROBE,
        structured_logging.PROBE,
        telemetry.PROBE,
        health_endpoint.PROBE,
        resilience.PROBE,
        alerts.PROBE,
        dashboards.PROBE,
        slo.PROBE,
        azure_redundancy.PROBE,
        azure_recovery.PROBE,
        azure_health.PROBE,
        azure_monitoring.PROBE,
        azure_security.PROBE,
        azure_sli.PROBE,
        # platform (GitHub / Azure DevOps API) probes
        branch_protection.PROBE,
        codeowners_validity.PROBE,
        environments.PROBE,
        dora.PROBE,
        ci_health.PROBE,
        security_posture.PROBE,
    ]


@hookimpl
def fundamentals_collectors() -> list[Collector]:
    return [COLLECTOR, PLATFORM_COLLECTOR, *AZURE_COLLECTORS]
