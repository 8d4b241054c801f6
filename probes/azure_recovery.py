"""Can the service's data and infrastructure be recovered after a mistake or a disaster?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.azure_evidence import Check, every, prop
from scanner.azure import details
from scanner.azure.collector import COSMOS, SQL_DATABASES, VAULTS, AzureSnapshot
from scanner.models import FactSpec, Observation
from scanner.probe import Probe

FACTS = (
    FactSpec(
        "azure.recovery.key_vault_protected",
        "bool",
        "Every Key Vault of the service has soft delete and purge protection enabled.",
    ),
    FactSpec(
        "azure.recovery.backups",
        "bool",
        "Every SQL database keeps geo-redundant backups, and every Cosmos DB account uses "
        "continuous backup or periodic backup to geo-redundant storage.",
    ),
    FactSpec(
        "azure.recovery.locked",
        "bool",
        "Every production resource group of the service has a CanNotDelete or ReadOnly lock.",
    ),
)

GEO_BACKUP = {"geo", "geozone"}
LOCK_LEVELS = {"cannotdelete", "readonly"}


def vault_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for vault in snapshot.of_type(VAULTS):
        soft = prop(vault, "properties", "enableSoftDelete") is not False  # on by default
        purge = prop(vault, "properties", "enablePurgeProtection") is True
        yield vault["id"], soft and purge, None


def backup_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for db in snapshot.of_type(SQL_DATABASES):
        if str(db.get("name")).lower() == "master":
            continue
        props = prop(db, "properties") or {}
        storage = prop(props, "currentBackupStorageRedundancy") or prop(
            props, "requestedBackupStorageRedundancy"
        )
        yield db["id"], str(storage).lower() in GEO_BACKUP, None
    for account in snapshot.of_type(COSMOS):
        policy = prop(account, "properties", "backupPolicy") or {}
        mode = str(prop(policy, "type") or "").lower()
        redundancy = str(prop(policy, "periodicModeProperties", "backupStorageRedundancy") or "")
        ok = mode == "continuous" or (mode == "periodic" and redundancy.lower() in GEO_BACKUP)
        yield account["id"], ok, None


def lock_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for sub, rg in snapshot.production_groups:
        get = details.locks(sub, rg)
        found = snapshot.detail(get)
        group = f"/subscriptions/{sub}/resourceGroups/{rg}"
        if found.error:
            yield group, None, found.error
            continue
        own = [
            lock
            for lock in prop(found.value, "value") or []
            if str(prop(lock, "id")).lower().startswith(group.lower() + "/providers/")
            and str(prop(lock, "properties", "level")).lower() in LOCK_LEVELS
        ]
        yield group, bool(own), None


def observe(snapshot: AzureSnapshot) -> Iterator[Observation]:
    yield every("azure.recovery.key_vault_protected", vault_checks(snapshot))
    yield every("azure.recovery.backups", backup_checks(snapshot))
    yield every("azure.recovery.locked", lock_checks(snapshot))


PROBE = Probe(
    id="azure-recovery",
    version="1",
    target_kind="azure",
    facts=FACTS,
    observe=observe,
    description="Key Vault soft delete and purge protection, SQL and Cosmos DB backup policy, "
    "resource locks on production resource groups.",
)
