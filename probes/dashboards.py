"""Are dashboards or workbooks kept as code?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "dashboards.as_code",
        "bool",
        "Dashboards or workbooks are defined as code (Grafana JSON, Azure portal dashboards, "
        "Azure Monitor workbooks).",
    ),
)

_AZURE = re.compile(r"Microsoft\.(Portal/dashboards|Insights/workbooks)\b", re.IGNORECASE)
_TERRAFORM = re.compile(
    r'^\s*resource\s+"(azurerm_portal_dashboard|azurerm_dashboard'
    r"|azurerm_application_insights_workbook|grafana_dashboard|datadog_dashboard\w*"
    r'|newrelic_one_dashboard\w*)"',
    re.MULTILINE,
)
# A Grafana dashboard model: panels plus the schemaVersion Grafana stamps on every export.
_GRAFANA = re.compile(r'"schemaVersion"\s*:\s*\d+')
_GRAFANA_PANELS = re.compile(r'"panels"\s*:\s*\[')
_GRAFANA_OPERATOR = re.compile(r"^kind:\s*GrafanaDashboard\b", re.MULTILINE)
_FILES = re.compile(r".+\.workbook|.+\.dashboard\.json", re.IGNORECASE)


def _grafana(snapshot: RepoSnapshot) -> list[object]:
    for found in snapshot.grep_all(_GRAFANA, snapshot.with_suffix(".json")):
        if _GRAFANA_PANELS.search(snapshot.read_text(found.path) or ""):
            return [found]
    return []


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    files = snapshot.files_named(_FILES)
    if files:
        yield boolean("dashboards.as_code", files)
        return
    searches = (
        (_AZURE, snapshot.with_suffix(".bicep", ".json")),
        (_TERRAFORM, snapshot.with_suffix(".tf")),
        (_GRAFANA_OPERATOR, snapshot.with_suffix(".yaml", ".yml")),
    )
    searched: list[str] = []
    for pattern, paths in searches:
        searched += paths
        found = snapshot.grep(pattern, paths=paths)
        if found:
            yield boolean("dashboards.as_code", [found])
            return
    yield boolean("dashboards.as_code", _grafana(snapshot), snapshot.unreadable_in(searched))


PROBE = Probe(
    id="dashboards",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for Grafana dashboard JSON, portal dashboards and workbooks in IaC.",
)
