"""Does the infrastructure as code ask for zone redundancy?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "iac.zone_redundant",
        "bool",
        "IaC declares zone redundancy (zoneRedundant, zones, availability zones, ZRS/GZRS "
        "storage).",
    ),
)

_ZRS = r"\b(Standard|Premium)_(ZRS|GZRS|RAGZRS)\b"
_PATTERNS = {
    ".bicep": re.compile(rf"\bzoneRedundant\s*:\s*true\b|^\s*zones\s*:\s*\[\s*(?!\])|{_ZRS}", re.M),
    ".json": re.compile(rf'"zoneRedundant"\s*:\s*(true|"true")|"zones"\s*:\s*\[\s*"|{_ZRS}', re.I),
    ".tf": re.compile(
        r"\b(zone_redundant|zone_redundancy_enabled|zone_balancing_enabled)\s*=\s*true\b"
        r"|^\s*(zones|availability_zones)\s*=\s*\[\s*(?!\])"
        r'|\baccount_replication_type\s*=\s*"(ZRS|GZRS|RAGZRS)"'
        rf"|{_ZRS}",
        re.M,
    ),
}


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    searched: list[str] = []
    found = None
    for suffix, pattern in _PATTERNS.items():
        paths = snapshot.with_suffix(suffix)
        searched += paths
        found = snapshot.grep(pattern, paths=paths)
        if found:
            break
    yield boolean("iac.zone_redundant", [found] if found else [], snapshot.unreadable_in(searched))


PROBE = Probe(
    id="zone-redundancy",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for zone-redundancy settings in Bicep, ARM templates and Terraform.",
)
