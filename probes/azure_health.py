"""Does the platform the service runs on probe its health?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.azure_evidence import Check, every, prop
from scanner.azure import details
from scanner.azure.collector import AKS, SITES, AzureSnapshot
from scanner.models import FactSpec, Observation
from scanner.probe import Probe

FACTS = (
    FactSpec(
        "azure.health.app_service_health_check",
        "bool",
        "Every App Service web app of the service has a health check path configured.",
    ),
    FactSpec(
        "azure.health.aks_monitoring",
        "bool",
        "Every AKS cluster of the service has a monitoring add-on enabled (Container Insights / "
        "omsagent, or Azure Monitor managed Prometheus).",
    ),
)


def site_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for site in snapshot.of_type(SITES):
        found = snapshot.detail(details.site_config(site["id"]))
        if found.error:
            yield site["id"], None, found.error
        else:
            yield site["id"], bool(prop(found.value, "properties", "healthCheckPath")), None


def cluster_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for cluster in snapshot.of_type(AKS):
        props = prop(cluster, "properties") or {}
        ok = (
            prop(props, "addonProfiles", "omsagent", "enabled") is True
            or prop(props, "azureMonitorProfile", "metrics", "enabled") is True
            or prop(props, "azureMonitorProfile", "containerInsights", "enabled") is True
        )
        yield cluster["id"], ok, None


def observe(snapshot: AzureSnapshot) -> Iterator[Observation]:
    yield every("azure.health.app_service_health_check", site_checks(snapshot))
    yield every("azure.health.aks_monitoring", cluster_checks(snapshot))


PROBE = Probe(
    id="azure-health",
    version="1",
    target_kind="azure",
    facts=FACTS,
    observe=observe,
    description="App Service health check paths (site configuration) and AKS monitoring add-ons.",
)
