"""What the CLI prints: terminal tables (rich) and the JSON shapes of every listing.

Levels are always shown as a letter and a word, never by colour alone.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.models import Assessment, Evidence, Level, Truth

if TYPE_CHECKING:
    from scanner.effective import EffectiveScore
    from scanner.engine import ScanOutcome
    from scanner.plugins import Registry
    from scanner.rules import Category, Framework
    from scanner.store import ServiceResult

STYLE = {
    Level.GREEN: "bold green",
    Level.AMBER: "bold yellow",
    Level.RED: "bold red",
    Level.UNKNOWN: "bold magenta",
    Level.NOT_ASSESSED: "dim",
    Level.NOT_APPLICABLE: "dim",
}
LABEL = {
    Level.GREEN: "G Green",
    Level.AMBER: "A Amber",
    Level.RED: "R Red",
    Level.UNKNOWN: "? Unknown",
    Level.NOT_ASSESSED: "- Not assessed",
    Level.NOT_APPLICABLE: "n/a Not applicable",
}
TRUTH_MARK = {
    Truth.TRUE: "✔",
    Truth.FALSE: "✘",
    Truth.UNKNOWN: "?",
    Truth.NOT_ASSESSED: "-",
}


def _console() -> Console:
    # Wide enough for the tables when piped (rich defaults to 80 columns off a terminal).
    width = None if os.isatty(1) else 140
    # markup=False: facts, paths and reasons are printed as they are, "[" and all.
    return Console(width=width, highlight=False, soft_wrap=False, markup=False)


def level_text(level: Level, at_least: Level | None = None) -> Text:
    label = LABEL[level]
    if at_least is not None and level in (Level.UNKNOWN, Level.NOT_ASSESSED):
        label += f" (≥ {at_least.value.title()})"
    return Text(label, style=STYLE[level])


def counts(assessments: Iterable[Assessment]) -> Counter[Level]:
    return Counter(a.level for a in assessments)


def counts_line(tally: Counter[Level]) -> str:
    parts = [
        f"Green {tally[Level.GREEN]}",
        f"Amber {tally[Level.AMBER]}",
        f"Red {tally[Level.RED]}",
        f"Unknown {tally[Level.UNKNOWN]}",
    ]
    if tally[Level.NOT_ASSESSED]:
        parts.append(f"Not assessed {tally[Level.NOT_ASSESSED]}")
    if tally[Level.NOT_APPLICABLE]:
        parts.append(f"Not applicable {tally[Level.NOT_APPLICABLE]}")
    return " · ".join(parts)


def _why(assessment: Assessment) -> str:
    """One short line: what holds the category at its level."""
    if assessment.level is Level.NOT_ASSESSED:
        facts = sorted(
            {f for c in assessment.trace if c.result is Truth.NOT_ASSESSED for f in c.facts}
        )
        return "no configured source provides " + ", ".join(facts) if facts else assessment.note
    if assessment.level in (Level.UNKNOWN, Level.NOT_APPLICABLE):
        return assessment.note
    nxt = assessment.next_level
    if nxt is None:
        return "all criteria met"
    missing = assessment.missing_for(nxt)
    return f"{nxt.value.title()} needs: " + "; ".join(c.description for c in missing)


# --- JSON shapes -----------------------------------------------------------------------------


def scan_json(outcome: ScanOutcome) -> dict[str, Any]:
    return {
        "scan_id": outcome.scan_id,
        "status": outcome.status,
        "services": [result_json(r) for r in outcome.results],
        "failed": outcome.failed,
    }


def result_json(
    result: ServiceResult, effective: Mapping[tuple[str, str], EffectiveScore] | None = None
) -> dict[str, Any]:
    """``assessments`` holds the inferred levels; ``effective`` what counts, and why."""
    svc = result.service
    data = {
        "service": svc.name,
        "tier": svc.tier.value,
        "golden_thread": svc.golden_thread,
        "owner": svc.owner,
        "scan_id": result.scan_id,
        "recorded_at": result.finished_at.isoformat(),
        "rules_digest": result.rules_digest,
        "facts": {k: e.value for k, e in result.evidence.items()},
        "assessments": {a.category: a.level.value for a in result.assessments},
        "counts": {level.value: n for level, n in counts(result.assessments).items()},
    }
    if effective is not None:
        data["effective"] = {
            a.category: effective[key].as_dict()
            for a in result.assessments
            if (key := (svc.name, a.category)) in effective
        }
    return data


def evidence_json(e: Evidence) -> dict[str, Any]:
    return {
        "id": e.id,
        "key": e.key,
        "value": e.value,
        "unknown_reason": e.reason,
        "probe": e.probe,
        "probe_version": e.probe_version,
        "locators": [loc.as_dict() for loc in e.locators],
    }


def explain_json(result: ServiceResult, category: Category, a: Assessment) -> dict[str, Any]:
    by_id = {e.id: e for e in result.evidence.values()}
    nxt = a.next_level
    return {
        "service": result.service.name,
        "category": category.id,
        "name": category.name,
        "pillar": category.pillar,
        "level": a.level.value,
        "at_least": a.at_least.value if a.at_least else None,
        "note": a.note,
        "definition": category.definitions.get(a.level),
        "criteria": [c.as_dict() for c in a.trace],
        "evidence": [evidence_json(by_id[i]) for i in a.evidence_ids if i in by_id],
        "next_level": nxt.value if nxt else None,
        "missing_for_next_level": [c.id for c in a.missing_for(nxt)] if nxt else [],
        "remediation": category.remediation.get(nxt) if nxt else None,
        "guidance": category.guidance,
    }


def probes_json(registry: Registry) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "version": p.version,
            "target_kind": p.target_kind,
            "plugin": registry.plugin_of[p.id],
            "description": p.description,
            "facts": [{"key": f.key, "type": f.type, "meaning": f.meaning} for f in p.facts],
        }
        for p in registry.probes
    ]


def framework_json(framework: Framework) -> dict[str, Any]:
    return {
        "digest": framework.digest,
        "pillars": [
            {
                "id": p.id,
                "name": p.name,
                "categories": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "guidance": c.guidance,
                        "tiers": [t.value for t in c.tiers] if c.tiers else None,
                        "definitions": {k.value: v for k, v in c.definitions.items()},
                        "criteria": [
                            {
                                "id": cr.id,
                                "level": cr.level.value,
                                "expr": cr.expression,
                                "description": cr.description,
                                "effective_from": str(cr.effective_from)
                                if cr.effective_from
                                else None,
                            }
                            for cr in c.criteria
                        ],
                    }
                    for c in p.categories
                ],
            }
            for p in framework.pillars
        ],
    }


# --- terminal tables -------------------------------------------------------------------------


def print_scan(
    outcome: ScanOutcome, framework: Framework, effective: Mapping[tuple[str, str], EffectiveScore]
) -> None:
    console = _console()
    for result in outcome.results:
        print_service(result, framework, effective, console=console)
    for name, why in outcome.failed.items():
        console.print(Text(f"{name}: not recorded: {why}", style="bold red"))
    console.print(
        f"scan {outcome.scan_id} {outcome.status}: {len(outcome.results)} service(s) recorded"
        + (f", {len(outcome.failed)} not recorded" if outcome.failed else "")
    )


def print_service(
    result: ServiceResult,
    framework: Framework,
    effective: Mapping[tuple[str, str], EffectiveScore],
    console: Console | None = None,
) -> None:
    """A service's categories by pillar: the effective level, and the inferred one if it differs."""
    console = console or _console()
    svc = result.service
    title = f"{svc.name} — {svc.tier.value}" + (" — Golden Thread" if svc.golden_thread else "")
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Pillar")
    table.add_column("Category")
    table.add_column("Level", no_wrap=True)
    table.add_column("Why / next step", overflow="fold")
    by_category = {a.category: a for a in result.assessments}
    effective_levels = []
    for pillar in framework.pillars:
        first = True
        for category in pillar.categories:
            a = by_category.get(category.id)
            if a is None:
                continue
            eff = effective.get((svc.name, category.id))
            level = level_text(a.level, a.at_least)
            why = _why(a)
            if eff is not None and eff.differs:
                level = Text.assemble(level_text(eff.effective), f"\n(inferred {a.level.letter})")
                why = eff.why
            elif eff is not None and eff.confirmed:
                level.append(" ✔")
            effective_levels.append(eff.effective if eff is not None else a.level)
            table.add_row(pillar.name if first else "", category.name, level, why)
            first = False
        table.add_section()
    console.print(table)
    confirmed = any(e.confirmed for e in effective.values() if e.service == svc.name)
    console.print(
        counts_line(Counter(effective_levels))
        + ("  (effective levels; ✔ confirmed by a reviewer)" if confirmed else "")
    )
    console.print(
        f"scan {result.scan_id} · recorded {result.finished_at:%Y-%m-%d %H:%M} UTC · "
        f"`fundamentals explain {svc.name} CATEGORY` shows why\n"
    )


def print_matrix(
    results: Sequence[ServiceResult],
    framework: Framework,
    effective: Mapping[tuple[str, str], EffectiveScore],
) -> None:
    """Services × pillars; each cell holds one effective letter per category (legend order).

    A letter followed by ``*`` differs from the inferred level (an override or accepted challenge).
    """
    console = _console()
    if not results:
        console.print("no scans recorded yet: run `fundamentals scan PATH`")
        return
    table = Table(title="Latest scores", title_justify="left")
    table.add_column("Service")
    table.add_column("Tier")
    for pillar in framework.pillars:
        table.add_column(pillar.name, no_wrap=True)
    table.add_column("Green/Amber/Red/Unknown", no_wrap=True)
    for r in results:
        levels = {a.category: a.level for a in r.assessments}
        overridden = set()
        for category in levels:
            eff = effective.get((r.service.name, category))
            if eff is not None and eff.differs:
                levels[category] = eff.effective
                overridden.add(category)
        tally = Counter(levels.values())
        row: list[Any] = [
            r.service.name + (" ★" if r.service.golden_thread else ""),
            r.service.tier,
        ]
        for pillar in framework.pillars:
            cell = Text()
            for c in pillar.categories:
                level = levels.get(c.id)
                mark = "*" if c.id in overridden else ""
                letter = (level.letter if level else " ") + mark
                cell.append(f"{letter:<3}", style=STYLE[level] if level else "")
            row.append(cell)
        row.append(
            f"{tally[Level.GREEN]}/{tally[Level.AMBER]}/{tally[Level.RED]}/{tally[Level.UNKNOWN]}"
        )
        table.add_row(*row)
    console.print(table)
    console.print(
        "★ Golden Thread · G green, A amber, R red, ? unknown, - not assessed, n/a not applicable"
        " · * effective level differs from the inferred one (`fundamentals reviews` says why)"
    )
    for pillar in framework.pillars:
        console.print(f"{pillar.name}: " + ", ".join(c.id for c in pillar.categories), style="dim")


def print_evidence(items: Sequence[Evidence]) -> None:
    console = _console()
    table = Table(title_justify="left")
    for column in ("Fact", "Value", "Probe", "Where"):
        table.add_column(column, overflow="fold")
    for e in items:
        value = (
            Text(f"unknown: {e.reason}", style="magenta") if e.value is None else _value(e.value)
        )
        where = ", ".join(str(loc) for loc in e.locators[:5])
        if len(e.locators) > 5:
            where += f" (+{len(e.locators) - 5} more)"
        table.add_row(e.key, value, f"{e.probe} {e.probe_version}", where)
    console.print(table)


def print_explain(result: ServiceResult, category: Category, a: Assessment) -> None:
    console = _console()
    console.print(
        Text.assemble(
            (f"{result.service.name} · {category.name} ", "bold"),
            f"({category.pillar}) — ",
            level_text(a.level, a.at_least),
        )
    )
    definition = category.definitions.get(a.level)
    if definition:
        console.print(f"  {definition}")
    if a.note:
        console.print(f"  note: {a.note}")
    console.print("\nCriteria:")
    by_id = {e.id: e for e in result.evidence.values()}
    for c in a.trace:
        mark = TRUTH_MARK[c.result]
        pending = "" if c.counts else " (not yet counted: effective later)"
        console.print(f"  {mark} [{c.level.value}] {c.description}{pending}")
        console.print(f"      {c.expression}", style="dim")
        for i in c.evidence_ids:
            e = by_id.get(i)
            if e is None:
                continue
            value = f"unknown ({e.reason})" if e.value is None else _value(e.value)
            where = ", ".join(str(loc) for loc in e.locators[:3]) or "-"
            console.print(f"      {e.key} = {value}  ← {where}  [{e.probe} {e.probe_version}]")
    nxt = a.next_level
    if nxt is not None:
        missing = a.missing_for(nxt)
        console.print(f"\nTo reach {nxt.value.title()}:")
        for c in missing:
            console.print(f"  • {c.description}")
        remediation = category.remediation.get(nxt)
        if remediation:
            console.print(f"  {remediation.strip()}")
    else:
        console.print("\nThis category is at the highest level.")
    console.print(f"\nGuidance: {category.guidance}")


def print_probes(registry: Registry) -> None:
    console = _console()
    table = Table(title="Installed probes and the facts they declare", title_justify="left")
    for column in ("Probe", "Target", "Fact", "Type", "Meaning"):
        table.add_column(column, overflow="fold")
    for p in registry.probes:
        for i, f in enumerate(p.facts):
            probe = f"{p.id} {p.version} ({registry.plugin_of[p.id]})" if i == 0 else ""
            table.add_row(probe, p.target_kind if i == 0 else "", f.key, f.type, f.meaning)
        table.add_section()
    console.print(table)


def print_framework(framework: Framework) -> None:
    console = _console()
    table = Table(
        title=f"Fundamentals framework (rules {framework.digest[:12]})", title_justify="left"
    )
    for column in ("Pillar", "Category", "Tiers", "Amber needs", "Green also needs"):
        table.add_column(column, overflow="fold")
    for pillar in framework.pillars:
        for i, c in enumerate(pillar.categories):
            amber = "; ".join(cr.description for cr in c.criteria if cr.level is Level.AMBER)
            green = "; ".join(cr.description for cr in c.criteria if cr.level is Level.GREEN)
            tiers = ", ".join(t.value for t in c.tiers) if c.tiers else "all"
            table.add_row(pillar.name if i == 0 else "", f"{c.name} ({c.id})", tiers, amber, green)
        table.add_section()
    console.print(table)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
