"""The report as CSV: one row per service × category, for people who want their spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "service",
    "domain",
    "platform",
    "tier",
    "golden_thread",
    "owner",
    "pillar",
    "category",
    "effective",
    "inferred",
    "confirmed",
    "differs",
    "stale",
    "why",
    "expires_at",
    "next_level",
    "scan_id",
    "recorded_at",
)


def rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for s in doc["services"]:
        for c in s["categories"]:
            out.append(
                {
                    "service": s["name"],
                    "domain": s["domain"],
                    "platform": s["platform"],
                    "tier": s["tier"],
                    "golden_thread": s["golden_thread"],
                    "owner": s["owner"],
                    "pillar": c["pillar"],
                    "category": c["category"],
                    "effective": c["effective"],
                    "inferred": c["inferred"],
                    "confirmed": c["confirmed"],
                    "differs": c["differs"],
                    "stale": c["stale"],
                    "why": c["why"],
                    "expires_at": c["expires_at"] or "",
                    "next_level": c["next_level"] or "",
                    "scan_id": s["scan_id"],
                    "recorded_at": s["recorded_at"],
                }
            )
    return out


def render_csv(doc: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows(doc):
        writer.writerow({k: str(v).lower() if isinstance(v, bool) else v for k, v in row.items()})
    return buffer.getvalue()
