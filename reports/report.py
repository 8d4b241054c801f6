"""Reports: gather once, build the document, render it as HTML, Markdown, CSV or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from reports.data import gather
from reports.document import build
from reports.html import render_html
from reports.markdown import render_markdown
from reports.spreadsheet import render_csv
from scanner.audit import utc
from scanner.rules import Framework
from scanner.store import now as utcnow

DEFAULT_HISTORY = timedelta(days=365)


def report_document(
    store: Any,
    framework: Framework,
    *,
    domain: str | None = None,
    since: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report document (schema ``fundamentals-report/1``); history from ``since`` (default:
    a year before ``now``)."""
    now = utc(now) or utcnow()
    since = since or (now - DEFAULT_HISTORY).date()
    return build(gather(store, now=now, since=since, domain=domain), framework)


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON schema of the report document (``reports/schema/report-v1.json``)."""
    text = resources.files("reports").joinpath("schema", "report-v1.json").read_text("utf-8")
    return dict(json.loads(text))


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "html": render_html,
    "markdown": render_markdown,
    "csv": render_csv,
    "json": render_json,
}
