"""The report as Markdown: fits a pull-request comment or a wiki page.

Levels are written as a letter (G, A, R, ?) so the tables read without colour; ``*`` marks an
effective level that differs from the inferred one.
"""

from __future__ import annotations

from typing import Any

from reports.html import LETTER, NAME


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _counts(counts: dict[str, int]) -> str:
    return f"{counts['green']} | {counts['amber']} | {counts['red']} | {counts['unknown']}"


def render_markdown(doc: dict[str, Any]) -> str:
    pillar_names = {p["id"]: p["name"] for p in doc["framework"]["pillars"]}
    scope = f" — {doc['filters']['domain']}" if doc["filters"]["domain"] else ""
    lines = [
        f"# Fundamentals report{scope}",
        "",
        f"{doc['summary']['services']} services · generated {doc['generated_at'][:10]} · "
        f"history since {doc['filters']['since']} · G Green, A Amber, R Red, ? Unknown, "
        "`*` effective differs from inferred",
        "",
        "## Estate",
        "",
        "| Pillar | G | A | R | ? |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for p in doc["summary"]["by_pillar"]:
        lines.append(
            f"| {_cell(pillar_names.get(p['pillar'], p['pillar']))} | {_counts(p['counts'])} |"
        )
    lines.append(f"| **All** | {_counts(doc['summary']['counts'])} |")
    lines += ["", "## Golden Thread hot spots", ""]
    if doc["hot_spots"]:
        lines += [
            "| Service | Tier | Category | Effective | Inferred |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_cell(h['service'])} | {h['tier']} | {h['category']} | "
            f"{LETTER[h['effective']]} | {LETTER[h['inferred']]} |"
            for h in doc["hot_spots"]
        ]
    else:
        lines.append("None.")
    att = doc["attention"]
    lines += ["", "## Needs attention", ""]
    lines += [
        f"- Stale review: {r['service']} · {r['category']} (review {r['review_id']})"
        for r in att["stale_reviews"]
    ]
    lines += [
        f"- Pending challenge {c['challenge_id']}: {c['service']} · {c['category']} by {c['actor']}"
        for c in att["pending_challenges"]
    ]
    lines += [
        f"- Override expiring {o['expires_at'][:10]}: {o['service']} · {o['category']} "
        f"{NAME[o['effective']]} (inferred {NAME[o['inferred']]})"
        for o in att["expiring_overrides"]
    ]
    lines += [
        f"- Overdue action {a['id']} (due {a['due']}): {a['service']} · {a['category']} — "
        f"{_cell(a['text'])} ({a['owner']})"
        for a in att["overdue_actions"]
    ]
    if not any(att.values()):
        lines.append("Nothing.")
    lines += [
        "",
        "## By domain",
        "",
        "| Domain | Services | G | A | R | ? |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {_cell(d['domain'] or '(none)')} | {d['services']} | {_counts(d['counts'])} |"
        for d in doc["summary"]["by_domain"]
    ]
    lines += [
        "",
        "## By platform",
        "",
        "| Platform | Services | G | A | R | ? |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {_cell(d['platform'] or '(none)')} | {d['services']} | {_counts(d['counts'])} |"
        for d in doc["summary"]["by_platform"]
    ]
    pillars = doc["framework"]["pillars"]
    lines += [
        "",
        "## Scores",
        "",
        "One letter per category, in this order: "
        + "; ".join(
            f"**{p['name']}**: " + ", ".join(c["id"] for c in p["categories"]) for p in pillars
        ),
        "",
    ]
    lines.append(
        "| Service | Domain | Tier | "
        + " | ".join(_cell(p["name"]) for p in pillars)
        + " | G/A/R/? |"
    )
    lines.append("| --- | --- | --- | " + " | ".join("---" for _ in pillars) + " | --- |")
    for s in doc["services"]:
        by_id = {c["category"]: c for c in s["categories"]}
        cells = []
        for p in pillars:
            letters = []
            for c in p["categories"]:
                cat = by_id.get(c["id"])
                letters.append(
                    "·"
                    if cat is None
                    else LETTER[cat["effective"]] + ("*" if cat["differs"] else "")
                )
            cells.append(" ".join(letters))
        counts = s["counts"]
        lines.append(
            f"| {_cell(s['name'])}{' ★' if s['golden_thread'] else ''} | {_cell(s['domain'])} | "
            f"{s['tier']} | "
            + " | ".join(cells)
            + f" | {counts['green']}/{counts['amber']}/{counts['red']}/{counts['unknown']} |"
        )
    changes = doc["changes_since_review"]
    lines += ["", "## Level changes since the last review", ""]
    if changes:
        lines += [
            "| Changed on | Service | Category | From | To | Last reviewed |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {c['changed_on']} | {_cell(c['service'])} | {c['category']} | "
            f"{LETTER[c['from']]} | {LETTER[c['to']]} | {c['last_reviewed'] or 'never'} |"
            for c in changes[:200]
        ]
        if len(changes) > 200:
            lines.append(f"\n…and {len(changes) - 200} more (see the JSON or HTML report).")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"
