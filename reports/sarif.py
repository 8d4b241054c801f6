"""SARIF 2.1.0 for GitHub code scanning: each failing (or warning) category is one result.

A result's location is the evidence locator of the criteria that were not met, so code
scanning shows it on the file that needs to change; a category with no file locator points at
``fallback_uri`` (the repository's README by default) and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner import __version__
from scanner.gate import GateCheck, GateResult

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/fundamentals-scanner/fundamentals-scanner"
LEVELS = {"fail": "error", "warn": "warning"}


def to_sarif(
    results: Sequence[GateResult],
    *,
    categories: Mapping[str, Any] | None = None,
    fallback_uri: str = "README.md",
) -> dict[str, Any]:
    """One run of the ``fundamentals`` tool; rules are the categories that appear in results.

    ``categories`` maps category ids to rule-framework categories (``name``, ``guidance``,
    ``rationale``) to enrich the rule descriptions; without it the id is used.
    """
    categories = categories or {}
    reported = [(r, c) for r in results for c in r.checks if c.outcome in LEVELS]
    rule_ids = sorted({c.category for _, c in reported})
    rules = [_rule(rid, categories.get(rid)) for rid in rule_ids]
    index = {rid: i for i, rid in enumerate(rule_ids)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fundamentals",
                        "fullName": "fundamentals-scanner gate",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "fundamentals-gate/"},
                "results": [_result(r, c, index[c.category], fallback_uri) for r, c in reported],
            }
        ],
    }


def _rule(rule_id: str, category: Any) -> dict[str, Any]:
    name = getattr(category, "name", None) or rule_id
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-")),
        "shortDescription": {"text": f"Fundamentals: {name}"},
        "properties": {"tags": ["fundamentals"]},
    }
    rationale = getattr(category, "rationale", "")
    if rationale:
        rule["fullDescription"] = {"text": rationale}
    guidance = getattr(category, "guidance", "")
    if guidance:
        rule["helpUri"] = guidance
        rule["help"] = {"text": f"How to reach the next level: {guidance}"}
    pillar = getattr(category, "pillar", "")
    if pillar:
        rule["properties"]["tags"].append(pillar)
    return rule


def _result(result: GateResult, check: GateCheck, rule_index: int, fallback: str) -> dict[str, Any]:
    text = (
        f"{result.service.name}: {check.category} is {check.effective.value}"
        + (f" (inferred {check.inferred.value})" if check.effective is not check.inferred else "")
        + f" — {check.reason}"
    )
    files = [loc for loc in check.locators if loc.path]
    if not files:
        text += "; no file evidence, see `fundamentals explain`"
    locations = [_location(loc.path or fallback, loc.line) for loc in files[:10]] or [
        _location(fallback, None)
    ]
    return {
        "ruleId": check.category,
        "ruleIndex": rule_index,
        "level": LEVELS[check.outcome],
        "message": {"text": text},
        "locations": locations,
        "partialFingerprints": {
            "fundamentalsCategory/v1": f"{result.service.name}/{check.category}"
        },
        "properties": {
            "service": result.service.name,
            "inferred": check.inferred.value,
            "effective": check.effective.value,
            "required": check.required.value if check.required else None,
            "baseline": check.baseline.value if check.baseline else None,
        },
    }


def _location(path: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": path.lstrip("/"), "uriBaseId": "%SRCROOT%"}
    }
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}
