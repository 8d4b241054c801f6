"""The report document (schema ``fundamentals-report/1``): one model behind every format.

``build(snapshot, framework)`` turns what ``reports.data`` read into plain JSON-ready data; the
HTML, Markdown, CSV and JSON outputs all render this one document, so they cannot disagree.
The schema is ``reports/schema/report-v1.json`` and docs/reports.md describes it. Trends are of
*inferred* levels (what each scan recorded); every current figure is the *effective* level.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from reports.data import Latest, Snapshot
from scanner import __version__
from scanner.audit import utc
from scanner.models import Evidence, Level, Locator
from scanner.rules import Framework

SCHEMA = "fundamentals-report/1"
LEVELS = [level.value for level in Level]
TREND_LEVELS = ("green", "amber", "red", "unknown")
EXPIRING_WITHIN = timedelta(days=30)
OTHER_PILLAR = {"id": "other", "name": "Other"}


def build(snapshot: Snapshot, framework: Framework) -> dict[str, Any]:
    """The whole report as JSON-ready data (see ``reports/schema/report-v1.json``)."""
    pillar_of = {c.id: c.pillar for c in framework.categories}
    order = {c.id: i for i, c in enumerate(framework.categories)}
    today = snapshot.now.date()
    reviews: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, row in snapshot.reviews:
        reviews[name].append(_review(name, row))
    actions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, action in snapshot.actions:
        actions[name].append(_action(name, action, today))
    services = [
        _service(r, snapshot, pillar_of, order, reviews[r.service.name], actions[r.service.name])
        for r in snapshot.latest
    ]
    cells = [(s, c) for s in services for c in s["categories"]]
    return {
        "schema": SCHEMA,
        "generated_at": snapshot.now.isoformat(),
        "tool_version": __version__,
        "filters": {"domain": snapshot.domain, "since": snapshot.since.isoformat()},
        "framework": _framework(framework, {c["category"] for _, c in cells}),
        "summary": {
            "services": len(services),
            "counts": _counts(c["effective"] for _, c in cells),
            "by_domain": _rollup(cells, "domain"),
            "by_platform": _rollup(cells, "platform"),
            "by_pillar": [
                {
                    "pillar": p,
                    "counts": _counts(c["effective"] for _, c in cells if c["pillar"] == p),
                }
                for p in dict.fromkeys(c["pillar"] for _, c in cells)
            ],
        },
        "hot_spots": _hot_spots(cells),
        "attention": _attention(snapshot, services, today),
        "changes_since_review": _changes_since_review(snapshot),
        "trends": _trends(snapshot, pillar_of),
        "services": services,
    }


# --- per service -------------------------------------------------------------------------------


def _service(
    r: Latest,
    snapshot: Snapshot,
    pillar_of: Mapping[str, str],
    order: Mapping[str, int],
    reviews: list[dict[str, Any]],
    actions: list[dict[str, Any]],
) -> dict[str, Any]:
    svc = r.service
    repo_url = repository_url(svc.repositories)
    by_id = {e.id: e for e in r.evidence}
    categories = []
    for a in sorted(r.assessments, key=lambda a: (order.get(a.category, len(order)), a.category)):
        eff = r.effective.get(a.category)
        nxt = a.next_level
        categories.append(
            {
                "category": a.category,
                "pillar": pillar_of.get(a.category, OTHER_PILLAR["id"]),
                "effective": eff.effective.value if eff else a.level.value,
                "inferred": a.level.value,
                "at_least": a.at_least.value if a.at_least else None,
                "confirmed": bool(eff and eff.confirmed),
                "differs": bool(eff and eff.differs),
                "stale": bool(eff and eff.stale),
                "why": eff.why if eff else "unconfirmed",
                "review_id": eff.review_id if eff else None,
                "expires_at": _iso(eff.expires_at) if eff else None,
                "pending_challenges": list(eff.pending_challenges) if eff else [],
                "note": a.note,
                "next_level": nxt.value if nxt else None,
                "missing_for_next_level": [c.id for c in a.missing_for(nxt)] if nxt else [],
                "trace": [
                    {
                        "id": c.id,
                        "level": c.level.value,
                        "result": c.result.value,
                        "counts": c.counts,
                        "error": c.error,
                        "facts": sorted({by_id[i].key for i in c.evidence_ids if i in by_id}),
                    }
                    for c in a.trace
                ],
            }
        )
    history = []
    previous: dict[str, str] = {}
    for change in snapshot.changes.get(svc.name, ()):
        diff = {k: v for k, v in change.levels.items() if previous.get(k) != v}
        history.append({"date": change.day.isoformat(), "levels": diff})
        previous = change.levels
    return {
        "name": svc.name,
        "anchor": anchor(svc.name),
        "owner": svc.owner,
        "domain": svc.domain,
        "platform": svc.platform,
        "tier": svc.tier.value,
        "golden_thread": svc.golden_thread,
        "repository_url": repo_url,
        "scan_id": r.scan_id,
        "recorded_at": r.recorded_at.isoformat(),
        "rules_digest": r.rules_digest,
        "counts": _counts(str(c["effective"]) for c in categories),
        "categories": categories,
        "evidence": [_evidence(e, repo_url) for e in r.evidence],
        "history": history,
        "reviews": reviews,
        "actions": actions,
    }


def anchor(name: str) -> str:
    return "svc-" + re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def repository_url(repositories: Iterable[str]) -> str | None:
    """The first repository given as a web address (or a GitHub ``owner/name``), if any."""
    for repo in repositories:
        if repo.startswith(("https://", "http://")):
            return repo.removesuffix(".git").rstrip("/")
        if re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo) and not repo.startswith("."):
            return f"https://github.com/{repo.removesuffix('.git')}"
    return None


def locator_href(loc: Locator, repo_url: str | None) -> str | None:
    """A link for a locator: the file and line in the repository's web view, the URL itself,
    or the Azure portal page of a resource id."""
    if loc.url:
        return loc.url
    if loc.resource_id:
        return f"https://portal.azure.com/#@/resource{loc.resource_id}"
    if loc.path and repo_url:
        path = loc.path.lstrip("/")
        if "dev.azure.com" in repo_url or "visualstudio.com" in repo_url:
            return f"{repo_url}?path=/{path}" + (f"&line={loc.line}" if loc.line else "")
        if "gitlab" in repo_url:
            return f"{repo_url}/-/blob/HEAD/{path}" + (f"#L{loc.line}" if loc.line else "")
        return f"{repo_url}/blob/HEAD/{path}" + (f"#L{loc.line}" if loc.line else "")
    return None


def _evidence(e: Evidence, repo_url: str | None) -> dict[str, Any]:
    return {
        "key": e.key,
        "value": e.value,
        "unknown_reason": e.reason,
        "probe": e.probe,
        "probe_version": e.probe_version,
        "locators": [
            {**loc.as_dict(), "text": str(loc), "href": locator_href(loc, repo_url)}
            for loc in e.locators
        ],
    }


def _review(service: str, row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "service": service,
        "category": row.category,
        "kind": row.kind,
        "level": row.level,
        "reason_code": row.reason_code,
        "reason_text": row.reason_text,
        "actor": row.actor,
        "created_at": _iso(row.created_at),
        "expires_at": _iso(row.expires_at),
        "refers_to": row.refers_to,
    }


def _action(service: str, row: Any, today: date) -> dict[str, Any]:
    overdue = row.status == "open" and row.due is not None and row.due < today
    return {
        "id": row.id,
        "service": service,
        "category": row.category,
        "text": row.text,
        "owner": row.owner,
        "due": row.due.isoformat() if row.due else None,
        "status": row.status,
        "overdue": overdue,
        "created_at": _iso(row.created_at),
        "done_at": _iso(row.done_at),
    }


def _iso(value: datetime | None) -> str | None:
    value = utc(value)
    return value.isoformat() if value else None


# --- estate ------------------------------------------------------------------------------------


def _framework(framework: Framework, seen: set[str]) -> dict[str, Any]:
    pillars = [
        {
            "id": p.id,
            "name": p.name,
            "categories": [
                {
                    "id": c.id,
                    "name": c.name,
                    "guidance": c.guidance,
                    "definitions": {k.value: v for k, v in c.definitions.items()},
                    "remediation": {k.value: v.strip() for k, v in c.remediation.items()},
                    "criteria": [
                        {"id": cr.id, "level": cr.level.value, "description": cr.description}
                        for cr in c.criteria
                    ],
                }
                for c in p.categories
            ],
        }
        for p in framework.pillars
    ]
    known = {c.id for c in framework.categories}
    extra = sorted(seen - known)
    if extra:  # scored by rules no longer loaded: still shown, under "Other"
        pillars.append(
            {
                **OTHER_PILLAR,
                "categories": [
                    {
                        "id": c,
                        "name": c,
                        "guidance": None,
                        "definitions": {},
                        "remediation": {},
                        "criteria": [],
                    }
                    for c in extra
                ],
            }
        )
    return {"digest": framework.digest, "pillars": pillars}


def _counts(levels: Iterable[str]) -> dict[str, int]:
    tally = Counter(levels)
    return {level: tally.get(level, 0) for level in LEVELS}


def _rollup(cells: list[tuple[dict[str, Any], dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[str]] = defaultdict(list)
    services: dict[str, set[str]] = defaultdict(set)
    for svc, cell in cells:
        groups[svc[key]].append(cell["effective"])
        services[svc[key]].add(svc["name"])
    return [
        {key: name, "services": len(services[name]), "counts": _counts(groups[name])}
        for name in sorted(groups)
    ]


def _hot_spots(cells: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    """Red or Unknown categories on Golden Thread services: Red first, most critical tier first."""
    tiers = [
        "mission-critical",
        "business-critical",
        "business-operational",
        "non-critical",
        "experimental",
    ]
    spots = [
        {
            "service": svc["name"],
            "anchor": svc["anchor"],
            "domain": svc["domain"],
            "platform": svc["platform"],
            "tier": svc["tier"],
            "category": cell["category"],
            "effective": cell["effective"],
            "inferred": cell["inferred"],
            "why": cell["why"],
        }
        for svc, cell in cells
        if svc["golden_thread"] and cell["effective"] in ("red", "unknown")
    ]
    spots.sort(
        key=lambda s: (
            s["effective"] != "red",
            tiers.index(s["tier"]) if s["tier"] in tiers else 9,
            s["service"],
            s["category"],
        )
    )
    return spots


def _attention(snapshot: Snapshot, services: list[dict[str, Any]], today: date) -> dict[str, Any]:
    reviews = {row.id: (name, row) for name, row in snapshot.reviews}
    stale, pending, expiring = [], [], []
    for svc in services:
        for c in svc["categories"]:
            base = {
                "service": svc["name"],
                "anchor": svc["anchor"],
                "domain": svc["domain"],
                "category": c["category"],
            }
            if c["stale"]:
                stale.append(
                    {
                        **base,
                        "review_id": c["review_id"],
                        "effective": c["effective"],
                        "inferred": c["inferred"],
                        "why": c["why"],
                    }
                )
            for challenge_id in c["pending_challenges"]:
                _, row = reviews[challenge_id]
                pending.append(
                    {
                        **base,
                        "challenge_id": challenge_id,
                        "level": row.level,
                        "actor": row.actor,
                        "created_at": _iso(row.created_at),
                        "reason": row.reason_text,
                    }
                )
            if c["review_id"] is not None and c["expires_at"] and c["differs"]:
                expires = datetime.fromisoformat(c["expires_at"])
                if expires - snapshot.now <= EXPIRING_WITHIN:
                    expiring.append(
                        {
                            **base,
                            "review_id": c["review_id"],
                            "effective": c["effective"],
                            "inferred": c["inferred"],
                            "expires_at": c["expires_at"],
                        }
                    )
    expiring.sort(key=lambda e: e["expires_at"])
    overdue = [
        {**a, "anchor": anchor(a["service"])}
        for svc in services
        for a in svc["actions"]
        if a["overdue"]
    ]
    overdue.sort(key=lambda a: (a["due"], a["id"]))
    return {
        "stale_reviews": stale,
        "pending_challenges": pending,
        "expiring_overrides": expiring,
        "overdue_actions": overdue,
    }


def _changes_since_review(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Inferred level changes of each category since it was last reviewed (or in the window)."""
    last_review: dict[tuple[str, str], datetime] = {}
    for name, row in snapshot.reviews:
        created = utc(row.created_at)
        if created is not None:
            last_review[(name, row.category)] = created
    found = []
    for name, changes in snapshot.changes.items():
        previous: dict[str, str] = {}
        for index, change in enumerate(changes):
            for category, level in change.levels.items():
                before = previous.get(category)
                if index == 0 or before == level:
                    continue
                reviewed = last_review.get((name, category))
                if reviewed is not None and change.day < reviewed.date():
                    continue
                found.append(
                    {
                        "service": name,
                        "anchor": anchor(name),
                        "category": category,
                        "changed_on": change.day.isoformat(),
                        "from": before,
                        "to": level,
                        "last_reviewed": reviewed.date().isoformat() if reviewed else None,
                    }
                )
            previous = change.levels
    found.sort(key=lambda c: (c["changed_on"], c["service"], c["category"]), reverse=True)
    return found


def _trends(snapshot: Snapshot, pillar_of: Mapping[str, str]) -> dict[str, Any]:
    """Daily counts of inferred levels per pillar (estate-wide) and per domain.

    Each service contributes its level as of its last scan of each day, carried forward over
    days without a scan; built from the level changes only (a delta per change, then a running
    sum), so it costs the number of changes, not services × days.
    """
    first = min((ch[0].day for ch in snapshot.changes.values() if ch), default=snapshot.since)
    start, end = max(snapshot.since, first), snapshot.now.date()  # from the first recorded day
    days = max((end - start).days + 1, 1)
    domain_of = {r.service.name: r.service.domain for r in snapshot.latest}
    seen = {
        pillar_of.get(c, OTHER_PILLAR["id"])
        for ch in snapshot.changes.values()
        for change in ch
        for c in change.levels
    }
    pillars = [p for p in dict.fromkeys([*pillar_of.values(), OTHER_PILLAR["id"]]) if p in seen]
    domains = sorted(set(domain_of.values()))
    series = [("pillar", p) for p in pillars] + [("domain", d) for d in domains]
    index = {key: i for i, key in enumerate(series)}
    width = len(TREND_LEVELS)
    delta = [[0] * (len(series) * width) for _ in range(days)]

    def vector(levels: Mapping[str, str], domain: str) -> Counter[int]:
        out: Counter[int] = Counter()
        for category, level in levels.items():
            if level not in TREND_LEVELS:
                continue
            slot = TREND_LEVELS.index(level)
            out[index[("pillar", pillar_of.get(category, OTHER_PILLAR["id"]))] * width + slot] += 1
            out[index[("domain", domain)] * width + slot] += 1
        return out

    for name, changes in snapshot.changes.items():
        domain = domain_of.get(name)
        if domain is None:
            continue
        previous: Counter[int] = Counter()
        for change in changes:
            day = (change.day - start).days
            if not 0 <= day < days:
                continue
            current = vector(change.levels, domain)
            row = delta[day]
            for slot in current.keys() | previous.keys():
                row[slot] += current[slot] - previous[slot]
            previous = current
    running = [0] * (len(series) * width)
    totals = []
    for row in delta:
        running = [a + b for a, b in zip(running, row, strict=True)]
        totals.append(running)

    def columns(key: tuple[str, str]) -> dict[str, list[int]]:
        base = index[key] * width
        return {lvl: [day[base + i] for day in totals] for i, lvl in enumerate(TREND_LEVELS)}

    return {
        "levels": "inferred",
        "dates": [(start + timedelta(days=i)).isoformat() for i in range(days)],
        "pillars": {p: columns(("pillar", p)) for p in pillars},
        "domains": {d: columns(("domain", d)) for d in domains},
    }
