"""ARM details Resource Graph lacks, read through the ARM ``/batch`` endpoint, 20 GETs a call.

Diagnostic settings (azure-mgmt-monitor 7 has no operation group for them), App Service site
configuration (health check path, minimum TLS) and resource-group locks are plain ARM GETs.
Batching them keeps a service's details to one or two calls. Each inner response keeps its own
status: a 403 makes that one detail unknown naming the role, a 429 or 5xx is sent again after
``Retry-After`` or a back-off, and a ``nextLink`` is followed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
from azure.core.rest import HttpRequest

if TYPE_CHECKING:
    from scanner.azure.estate import Estate

BATCH_SIZE = 20
BATCH_API = "2020-06-01"
DIAGNOSTIC_SETTINGS_API = "2021-05-01-preview"
SITE_CONFIG_API = "2023-12-01"
LOCKS_API = "2016-09-01"
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class Detail:
    """One ARM GET's outcome: the JSON body, or why it could not be read."""

    value: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Get:
    """A GET to make: ``path`` without query, its api-version, what it reads and the role needed."""

    path: str
    api_version: str
    what: str
    role: str = "Reader"

    @property
    def url(self) -> str:
        return f"{self.path}?api-version={self.api_version}"


def diagnostic_settings(resource_id: str) -> Get:
    return Get(
        f"{resource_id}/providers/Microsoft.Insights/diagnosticSettings",
        DIAGNOSTIC_SETTINGS_API,
        "diagnostic settings",
        "Reader (Microsoft.Insights/diagnosticSettings/read)",
    )


def site_config(site_id: str) -> Get:
    return Get(f"{site_id}/config/web", SITE_CONFIG_API, "site configuration")


def locks(subscription: str, resource_group: str) -> Get:
    return Get(
        f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
        "/providers/Microsoft.Authorization/locks",
        LOCKS_API,
        "management locks",
        "Reader (Microsoft.Authorization/locks/read)",
    )


def read_all(estate: Estate, gets: Sequence[Get]) -> dict[str, Detail]:
    """Every GET's outcome by path. Batches run concurrently, bounded by the estate's setting."""
    unique = list({g.path: g for g in gets}.values())
    batches = [unique[i : i + BATCH_SIZE] for i in range(0, len(unique), BATCH_SIZE)]
    results: dict[str, Detail] = {}
    if len(batches) <= 1:
        for batch in batches:
            results.update(_batch(estate, batch))
        return results
    workers = min(estate.settings.concurrency, len(batches))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="arm-batch") as pool:
        for part in pool.map(lambda b: _batch(estate, b), batches):
            results.update(part)
    return results


def _batch(estate: Estate, gets: list[Get]) -> dict[str, Detail]:
    results: dict[str, Detail] = {}
    pending = {str(uuid.uuid4()): g for g in gets}
    attempts = 0
    while pending:
        try:
            responses = _send_batch(estate, pending)
        except AzureError as exc:
            reason = _call_failed(exc)
            results.update({g.path: Detail(error=reason) for g in pending.values()})
            return results
        estate.count("arm-requests", len(pending))
        again: dict[str, Get] = {}
        wait = 0.0
        for name, get in pending.items():
            response = responses.get(name)
            if response is None:
                results[get.path] = Detail(error=f"no answer for {get.what} of {get.path}")
                continue
            status = int(response.get("httpStatusCode", 0))
            content = response.get("content")
            if status == 200:
                results[get.path] = Detail(value=_follow(estate, content))
            elif (status == 429 or status >= 500) and attempts < estate.settings.retry_total:
                again[name] = get
                wait = max(wait, _retry_after(response, estate, attempts))
                estate.count("throttled" if status == 429 else "server-errors")
            else:
                results[get.path] = Detail(error=_inner_error(status, content, get))
        if again:
            time.sleep(min(wait, MAX_RETRY_AFTER))
        pending = again
        attempts += 1
    return results


def _send_batch(estate: Estate, pending: dict[str, Get]) -> dict[str, dict[str, Any]]:
    body = {
        "requests": [
            {"httpMethod": "GET", "name": name, "url": get.url} for name, get in pending.items()
        ]
    }
    options = estate.call_options(estate.endpoints.resource_manager)
    base = estate.endpoints.resource_manager
    request = HttpRequest("POST", f"{base}/batch?api-version={BATCH_API}", json=body)
    response = estate.arm.send_request(request, **options)
    while response.status_code == 202:  # still running: poll the Location it names
        time.sleep(min(float(response.headers.get("Retry-After", "1")), MAX_RETRY_AFTER))
        location = urljoin(base + "/", response.headers["Location"])
        response = estate.arm.send_request(HttpRequest("GET", location), **options)
    response.raise_for_status()
    payload = response.json()
    return {str(r.get("name")): r for r in payload.get("responses", [])}


def _follow(estate: Estate, content: Any) -> Any:
    """A list payload with every ``nextLink`` page appended to ``value``."""
    if not isinstance(content, dict) or not content.get("nextLink"):
        return content
    values = list(content.get("value") or [])
    link = content.get("nextLink")
    options = estate.call_options(estate.endpoints.resource_manager)
    while link:
        response = estate.arm.send_request(HttpRequest("GET", link), **options)
        response.raise_for_status()
        page = response.json()
        values.extend(page.get("value") or [])
        link = page.get("nextLink")
    return {"value": values}


def _retry_after(response: dict[str, Any], estate: Estate, attempts: int) -> float:
    headers = {str(k).lower(): v for k, v in (response.get("headers") or {}).items()}
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        if name in headers:
            return float(headers[name]) / 1000
    if "retry-after" in headers:
        try:
            return float(headers["retry-after"])
        except ValueError:
            pass
    return float(estate.settings.retry_backoff * (2**attempts))


def _inner_error(status: int, content: Any, get: Get) -> str:
    code = ""
    if isinstance(content, dict) and isinstance(content.get("error"), dict):
        code = f" {content['error'].get('code', '')}".rstrip()
    if status in (401, 403):
        return f"HTTP {status}{code} reading {get.what} of {get.path}: needs {get.role}"
    if status == 404:
        return f"HTTP 404{code}: {get.what} of {get.path} not found"
    return f"HTTP {status}{code} reading {get.what} of {get.path} (after retries)"


def _call_failed(exc: AzureError) -> str:
    if isinstance(exc, ClientAuthenticationError) and exc.status_code is None:
        return "could not sign in to Azure: no source of DefaultAzureCredential gave a token"
    if isinstance(exc, HttpResponseError) and exc.status_code in (401, 403):
        return f"HTTP {exc.status_code} calling ARM /batch: needs the Reader role"
    if isinstance(exc, HttpResponseError):
        return f"HTTP {exc.status_code} calling ARM /batch (after retries)"
    return f"ARM /batch failed: {type(exc).__name__}"
