"""Are alert rules kept as code?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "alerts.as_code",
        "bool",
        "Alert rules are defined as code (Azure Monitor alerts in Bicep/ARM/Terraform, "
        "PrometheusRule, Prometheus alerting rules).",
    ),
)

_AZURE = re.compile(
    r"Microsoft\.Insights/(metricAlerts|scheduledQueryRules|activityLogAlerts|alertrules)"
    r"|Microsoft\.AlertsManagement/(prometheusRuleGroups|smartDetectorAlertRules)",
    re.IGNORECASE,
)
_TERRAFORM = re.compile(
    r'^\s*resource\s+"(azurerm_monitor_\w*alert\w*|azurerm_monitor_alert_prometheus_rule_group'
    r'|grafana_rule_group|datadog_monitor|newrelic_alert_\w+)"',
    re.MULTILINE,
)
_PROMETHEUS = re.compile(r"^kind:\s*PrometheusRule\b|^\s*-\s*alert:\s*\S", re.MULTILINE)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    searches = (
        (_AZURE, snapshot.with_suffix(".bicep", ".json")),
        (_TERRAFORM, snapshot.with_suffix(".tf")),
        (_PROMETHEUS, snapshot.with_suffix(".yaml", ".yml")),
    )
    searched: list[str] = []
    for pattern, paths in searches:
        searched += paths
        found = snapshot.grep(pattern, paths=paths)
        if found:
            yield boolean("alerts.as_code", [found])
            return
    yield boolean("alerts.as_code", [], snapshot.unreadable_in(searched))


PROBE = Probe(
    id="alerts",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for alert rule resources in Bicep, ARM, Terraform and Prometheus rules.",
)
