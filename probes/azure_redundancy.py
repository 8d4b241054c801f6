"""Does the service's running infrastructure survive the loss of an instance, a zone or a region?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.azure_evidence import Check, every, locators, prop
from scanner.azure.collector import AKS, COSMOS, PLANS, SQL_DATABASES, STORAGE, AzureSnapshot
from scanner.models import FactSpec, Observation
from scanner.probe import Probe

FACTS = (
    FactSpec(
        "azure.redundancy.zone_redundant",
        "bool",
        "Every App Service plan, AKS node pool (>= 2 zones), SQL database, Cosmos DB account and "
        "storage account (ZRS, GZRS, RA-GZRS) of the service is zone-redundant.",
    ),
    FactSpec(
        "azure.redundancy.multi_region",
        "bool",
        "Every Cosmos DB account spans >= 2 regions with automatic failover, and every storage "
        "account is geo-redundant (GRS, RA-GRS, GZRS, RA-GZRS).",
    ),
    FactSpec(
        "azure.redundancy.multi_instance",
        "bool",
        "Every App Service plan runs a production tier with >= 2 instances (or scales on demand), "
        "and every AKS node pool has >= 2 nodes.",
    ),
    FactSpec(
        "azure.redundancy.storage_replication",
        "list[str]",
        "Replication of the service's storage accounts: subset of LRS, ZRS, GRS, RAGRS, GZRS, "
        "RAGZRS (sorted).",
    ),
)

ZONE_REPLICATION = {"ZRS", "GZRS", "RAGZRS"}
GEO_REPLICATION = {"GRS", "RAGRS", "GZRS", "RAGZRS"}
SCALE_OUT_TIERS = ("standard", "premium", "isolated", "elasticpremium", "workflowstandard")
ON_DEMAND_TIERS = ("dynamic", "flexconsumption")


def replication(account: dict) -> str:
    name = str(prop(account, "sku", "name") or "")
    return name.split("_", 1)[1].upper() if "_" in name else name.upper()


def _pools(cluster: dict) -> list[dict]:
    return [
        p for p in prop(cluster, "properties", "agentPoolProfiles") or [] if isinstance(p, dict)
    ]


def _user_databases(snapshot: AzureSnapshot) -> list[dict]:
    return [d for d in snapshot.of_type(SQL_DATABASES) if str(d.get("name")).lower() != "master"]


def zone_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for plan in snapshot.of_type(PLANS):
        yield plan["id"], prop(plan, "properties", "zoneRedundant") is True, None
    for cluster in snapshot.of_type(AKS):
        pools = _pools(cluster)
        ok = bool(pools) and all(len(prop(p, "availabilityZones") or []) >= 2 for p in pools)
        yield cluster["id"], ok, None
    for db in _user_databases(snapshot):
        yield db["id"], prop(db, "properties", "zoneRedundant") is True, None
    for account in snapshot.of_type(COSMOS):
        regions = prop(account, "properties", "locations") or []
        ok = bool(regions) and all(prop(r, "isZoneRedundant") is True for r in regions)
        yield account["id"], ok, None
    for account in snapshot.of_type(STORAGE):
        yield account["id"], replication(account) in ZONE_REPLICATION, None


def region_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for account in snapshot.of_type(COSMOS):
        regions = prop(account, "properties", "locations") or []
        failover = prop(account, "properties", "enableAutomaticFailover") is True
        yield account["id"], len(regions) >= 2 and failover, None
    for account in snapshot.of_type(STORAGE):
        yield account["id"], replication(account) in GEO_REPLICATION, None


def instance_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for plan in snapshot.of_type(PLANS):
        tier = str(prop(plan, "sku", "tier") or "").lower()
        capacity = prop(plan, "sku", "capacity") or prop(plan, "properties", "numberOfWorkers") or 0
        ok = tier.startswith(ON_DEMAND_TIERS) or (
            tier.startswith(SCALE_OUT_TIERS) and int(capacity) >= 2
        )
        yield plan["id"], ok, None
    for cluster in snapshot.of_type(AKS):
        pools = _pools(cluster)

        def enough(pool: dict) -> bool:
            if prop(pool, "enableAutoScaling"):
                return int(prop(pool, "minCount") or 0) >= 2
            return int(prop(pool, "count") or 0) >= 2

        yield cluster["id"], bool(pools) and all(enough(p) for p in pools), None


def observe(snapshot: AzureSnapshot) -> Iterator[Observation]:
    yield every("azure.redundancy.zone_redundant", zone_checks(snapshot))
    yield every("azure.redundancy.multi_region", region_checks(snapshot))
    yield every("azure.redundancy.multi_instance", instance_checks(snapshot))
    accounts = snapshot.of_type(STORAGE)
    kinds = sorted({replication(a) for a in accounts if replication(a)})
    yield Observation(
        "azure.redundancy.storage_replication", kinds, locators(a["id"] for a in accounts)
    )


PROBE = Probe(
    id="azure-redundancy",
    version="1",
    target_kind="azure",
    facts=FACTS,
    observe=observe,
    description="Zone, region and instance redundancy of App Service, AKS, SQL, Cosmos DB and "
    "storage, from the Resource Graph inventory.",
)
