"""Are the service's endpoints encrypted and kept off the public internet?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.azure_evidence import Check, every, prop
from scanner.azure import details
from scanner.azure.collector import COSMOS, SITES, SQL_SERVERS, STORAGE, VAULTS, AzureSnapshot
from scanner.models import FactSpec, Observation
from scanner.probe import Probe

FACTS = (
    FactSpec(
        "azure.security.https_only",
        "bool",
        "Every web app and storage account of the service accepts HTTPS only.",
    ),
    FactSpec(
        "azure.security.min_tls_12",
        "bool",
        "Every web app, storage account, SQL server and Cosmos DB account requires TLS 1.2 or "
        "later.",
    ),
    FactSpec(
        "azure.security.private_network",
        "bool",
        "Every web app, storage account, SQL server, Cosmos DB account and Key Vault has public "
        "network access disabled or an approved private endpoint.",
    ),
)

TLS_12 = {"1.2", "1.3", "tls1_2", "tls1_3", "tls12", "tls13"}


def https_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for site in snapshot.of_type(SITES):
        yield site["id"], prop(site, "properties", "httpsOnly") is True, None
    for account in snapshot.of_type(STORAGE):
        # Secure transfer has been on by default since API 2019-04-01; only an explicit false fails.
        yield (
            account["id"],
            prop(account, "properties", "supportsHttpsTrafficOnly") is not False,
            None,
        )


def tls_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for site in snapshot.of_type(SITES):
        found = snapshot.detail(details.site_config(site["id"]))
        if found.error:
            yield site["id"], None, found.error
        else:
            version = str(prop(found.value, "properties", "minTlsVersion") or "").lower()
            yield site["id"], version in TLS_12, None
    for rows, key in (
        (snapshot.of_type(STORAGE), "minimumTlsVersion"),
        (snapshot.of_type(SQL_SERVERS), "minimalTlsVersion"),
        (snapshot.of_type(COSMOS), "minimalTlsVersion"),
    ):
        for row in rows:
            yield row["id"], str(prop(row, "properties", key) or "").lower() in TLS_12, None


def private(row: dict) -> bool:
    props = prop(row, "properties") or {}
    if str(prop(props, "publicNetworkAccess") or "").lower() == "disabled":
        return True
    return any(
        str(prop(c, "properties", "privateLinkServiceConnectionState", "status")).lower()
        == "approved"
        for c in prop(props, "privateEndpointConnections") or []
    )


def network_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for row in snapshot.of_type(SITES, STORAGE, SQL_SERVERS, COSMOS, VAULTS):
        yield row["id"], private(row), None


def observe(snapshot: AzureSnapshot) -> Iterator[Observation]:
    yield every("azure.security.https_only", https_checks(snapshot))
    yield every("azure.security.min_tls_12", tls_checks(snapshot))
    yield every("azure.security.private_network", network_checks(snapshot))


PROBE = Probe(
    id="azure-security",
    version="1",
    target_kind="azure",
    facts=FACTS,
    observe=observe,
    description="HTTPS-only, minimum TLS 1.2, and public network access / private endpoints.",
)
