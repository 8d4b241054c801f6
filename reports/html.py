"""The self-contained HTML report: Jinja2 templates, styles, scripts and charts all inlined.

The page makes no network request: the charting library (uPlot, vendored in ``reports/vendor``)
and the report's own script and styles are inlined, and a Content-Security-Policy forbids any
fetch. The estate heatmap is rendered here; each service's detail is rendered by the page's
script from the embedded report document when the service is opened (or printed), which keeps
a 1,000-service report small and quick to open.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

LETTER = {
    "green": "G",
    "amber": "A",
    "red": "R",
    "unknown": "?",
    "not_assessed": "–",
    "not_applicable": "n/a",
}
NAME = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "unknown": "Unknown",
    "not_assessed": "Not assessed",
    "not_applicable": "Not applicable",
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(letter=LETTER, level_name=NAME)
    return env


def _asset(folder: str, name: str) -> Markup:
    """A packaged file, inlined as is (our own, or the vendored chart library)."""
    text = resources.files("reports").joinpath(folder, name).read_text(encoding="utf-8")
    return Markup(text)  # noqa: S704 — shipped with the package, not user input


def _script_json(data: Any) -> Markup:
    """JSON safe inside a <script> element: no "</script>", no HTML comment openers."""
    text = json.dumps(data, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 — escaped above


def _pruned(data: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in drop and v not in (None, False, "", [])}


def page_data(document: dict[str, Any]) -> dict[str, Any]:
    """The document in the page's compact wire form (the page's script reads it back).

    Per service × category the defaults are left out (false flags, empty lists, ``why`` of an
    unconfirmed level, the pillar the framework already names); a trace line is
    ``[id, result, facts, counts?, error?]``; a locator is ``[text, href]`` with an ``href`` into
    the service's repository written ``~/…``. A 1,000-service report stays well under 15 MB.
    """
    services = []
    for svc in document["services"]:
        repo = svc["repository_url"] or "\0"
        categories = []
        for c in svc["categories"]:
            item = _pruned(c, drop=("pillar", "trace"))
            if item.get("why") == "unconfirmed":
                del item["why"]
            item["trace"] = [
                [t["id"], t["result"], t["facts"]]
                + (
                    [0 if not t["counts"] else 1, t["error"]]
                    if t["error"] or not t["counts"]
                    else []
                )
                for t in c["trace"]
            ]
            categories.append(item)
        evidence = []
        for e in svc["evidence"]:
            item = _pruned(e, drop=("locators",))
            if "value" not in item and e["value"] is not None:
                item["value"] = e["value"]  # a false or empty value is still a value
            item["locators"] = [
                [
                    loc["text"],
                    "~" + loc["href"][len(repo) :]
                    if (loc["href"] or "").startswith(repo)
                    else loc["href"],
                ]
                for loc in e["locators"]
            ]
            evidence.append(item)
        services.append({**svc, "categories": categories, "evidence": evidence})
    return {**document, "services": services}


def heatmap_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per service, one cell per framework category (in framework order)."""
    columns = [c["id"] for p in document["framework"]["pillars"] for c in p["categories"]]
    names = {c["id"]: c["name"] for p in document["framework"]["pillars"] for c in p["categories"]}
    rows = []
    for svc in document["services"]:
        by_id = {c["category"]: c for c in svc["categories"]}
        cells: list[dict[str, Any] | None] = []
        for column in columns:
            c = by_id.get(column)
            if c is None:
                cells.append(None)
                continue
            title = f"{names[column]}: {NAME[c['effective']]}"
            if c["differs"]:
                title += f" (inferred {NAME[c['inferred']]})"
            elif c["confirmed"]:
                title += " (confirmed)"
            cells.append(
                {
                    "level": c["effective"],
                    "differs": c["differs"],
                    "title": title,
                    "confirmed": c["confirmed"],
                }
            )
        rows.append({"service": svc, "cells": cells})
    return rows


def render_html(document: dict[str, Any]) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=document,
        rows=heatmap_rows(document),
        domains=sorted({s["domain"] for s in document["services"]}),
        platforms=sorted({s["platform"] for s in document["services"]}),
        tiers=[
            t
            for t in (
                "mission-critical",
                "business-critical",
                "business-operational",
                "non-critical",
                "experimental",
            )
            if any(s["tier"] == t for s in document["services"])
        ],
        data=_script_json(page_data(document)),
        styles=_asset("templates", "report.css"),
        script=_asset("templates", "report.js"),
        chart_css=_asset("vendor", "uPlot.min.css"),
        chart_js=_asset("vendor", "uPlot.iife.min.js"),
    )
