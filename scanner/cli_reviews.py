"""CLI commands for reviews, actions, the audit log and the CI gate (thin, over the library).

Registered on the ``fundamentals`` group in ``scanner.cli`` with ``cli.add_command``.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from scanner.cli import Context, _print_json, db_options, json_option
from scanner.errors import FundamentalsError, InputError, RulesError
from scanner.reviews import REASON_CODES

_DURATION = re.compile(r"^(\d+)d$")


class ExpiryType(click.ParamType):
    """``YYYY-MM-DD`` (end of that day, UTC) or a number of days, e.g. ``30d``."""

    name = "DATE|Nd"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        match = _DURATION.match(str(value))
        if match:
            return datetime.now(UTC) + timedelta(days=int(match.group(1)))
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            self.fail(
                f"{value!r} is neither a date (YYYY-MM-DD) nor a duration like 30d", param, ctx
            )
        return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


EXPIRY = ExpiryType()
REASON = click.Choice(list(REASON_CODES))
LEVEL = click.Choice(["red", "amber", "green"], case_sensitive=False)


def _who(ctx: Context) -> dict[str, Any]:
    from scanner.identity import Roles, resolve_actor

    return {
        "actor": resolve_actor(),
        "roles": Roles.from_config(ctx.config),
        "catalog": ctx.config.catalog(),
    }


def _done(entry: Any, as_json: bool) -> None:
    if as_json:
        _print_json(entry.as_dict())
        return
    what = f" {entry.level}" if entry.level else ""
    until = f", expires {entry.expires_at:%Y-%m-%d}" if entry.expires_at else ""
    click.echo(
        f"review {entry.id}: {entry.kind}{what} {entry.service} {entry.category} "
        f"by {entry.actor} (via {entry.actor_source}){until}"
    )


# --- reviews -----------------------------------------------------------------------------------


@click.command()
@click.argument("service")
@click.argument("category")
@click.option("--note", default="", help="Free text kept with the confirmation.")
@click.option("--expires", type=EXPIRY, help="When it lapses (default 90 days).")
@db_options
@json_option
def confirm(
    service: str,
    category: str,
    note: str,
    expires: datetime | None,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Confirm that a category's inferred level is right.

    \b
    Example:
        fundamentals confirm payments-api logging --note "checked in the domain review"
    """
    from scanner import reviews

    ctx = Context(db, config_path)
    entry = reviews.confirm(
        ctx.store, service, category, note=note, expires_at=expires, **_who(ctx)
    )
    _done(entry, as_json)


@click.command()
@click.argument("service")
@click.argument("category")
@click.argument("level", type=LEVEL)
@click.option("--reason", required=True, type=REASON, help="Reason code.")
@click.option("--note", required=True, help="Free text: why, in a sentence.")
@click.option("--expires", type=EXPIRY, help="When the override lapses (default 90 days).")
@db_options
@json_option
def override(
    service: str,
    category: str,
    level: str,
    reason: str,
    note: str,
    expires: datetime | None,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Override a category's level until it expires; Golden Thread needs a reliability engineer.

    \b
    Example:
        fundamentals override payments-api alerting green --reason evidence-elsewhere \\
            --note "alerts live in the shared monitoring repo" --expires 30d
    """
    from scanner import reviews

    ctx = Context(db, config_path)
    entry = reviews.override(
        ctx.store,
        service,
        category,
        level,
        reason=reason,
        note=note,
        expires_at=expires,
        **_who(ctx),
    )
    _done(entry, as_json)


@click.command()
@click.argument("service")
@click.argument("category")
@click.option("--reason", required=True, type=REASON, help="Reason code.")
@click.option("--note", default="", help="Free text: what the scanner got wrong.")
@click.option("--proposed", type=LEVEL, help="The level you think is right.")
@db_options
@json_option
def challenge(
    service: str,
    category: str,
    reason: str,
    note: str,
    proposed: str | None,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Dispute an assessment; a reliability engineer accepts or rejects it.

    \b
    Example:
        fundamentals challenge payments-api logging --reason false-positive --proposed green
    """
    from scanner import reviews

    ctx = Context(db, config_path)
    entry = reviews.challenge(
        ctx.store, service, category, reason=reason, note=note, proposed=proposed, **_who(ctx)
    )
    _done(entry, as_json)


@click.command()
@click.option("--pending", is_flag=True, help="Only challenges nobody has decided yet.")
@click.option("--service", help="Only this service.")
@db_options
@json_option
def challenges(
    pending: bool, service: str | None, db: str | None, config_path: str | None, as_json: bool
) -> None:
    """List challenges and their decisions.

    \b
    Example:
        fundamentals challenges --pending
    """
    from scanner import reviews

    views = reviews.challenges(Context(db, config_path).store, pending=pending, service=service)
    if as_json:
        _print_json([v.as_dict() for v in views])
        return
    if not views:
        click.echo("no challenges")
    for v in views:
        c = v.challenge
        proposed = f" → {c.level}" if c.level else ""
        decided = f" by {v.decision.actor}: {v.decision.reason_text}" if v.decision else ""
        click.echo(
            f"{c.id:>5}  {v.status:<9} {c.service} {c.category}{proposed}  "
            f"[{c.reason_code}] {c.reason_text}  ({c.actor}, {c.created_at:%Y-%m-%d}){decided}"
        )


def _decision(kind: str) -> click.Command:
    helps = {
        "accept": "Accept a challenge; its proposed level becomes effective until it expires.",
        "reject": "Reject a challenge: the inferred level stands.",
        "revoke": "End a confirmation, override or accepted challenge, or withdraw a challenge.",
    }

    @click.command(
        name=kind,
        help=f"{helps[kind]}\n\n\b\nExample:\n    fundamentals {kind} 12 "
        '--reason "discussed in the domain review"',
    )
    @click.argument("review_id", metavar="ID", type=int)
    @click.option("--reason", required=True, help="Why (free text).")
    @db_options
    @json_option
    def command(
        review_id: int, reason: str, db: str | None, config_path: str | None, as_json: bool
    ) -> None:
        from scanner import reviews

        ctx = Context(db, config_path)
        entry = getattr(reviews, kind)(ctx.store, review_id, reason=reason, **_who(ctx))
        _done(entry, as_json)

    return command


accept = _decision("accept")
reject = _decision("reject")
revoke = _decision("revoke")


@click.command(name="reviews")
@click.argument("service", required=False)
@click.option("--stale", is_flag=True, help="Only reviews to redo: their evidence changed.")
@click.option("--differs", is_flag=True, help="Only categories whose effective level differs.")
@db_options
@json_option
def reviews_cmd(
    service: str | None,
    stale: bool,
    differs: bool,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Inferred and effective level of every category, and why they differ.

    \b
    Example:
        fundamentals reviews payments-api
        fundamentals reviews --stale --json
    """
    from scanner.effective import effective_scores

    scores = effective_scores(Context(db, config_path).store, [service] if service else None)
    scores = [s for s in scores if (not stale or s.stale) and (not differs or s.differs)]
    if as_json:
        _print_json([s.as_dict() for s in scores])
        return
    click.echo(f"{'service':<24} {'category':<24} {'inferred':<9} {'effective':<9} conf  why")
    for s in scores:
        mark = "yes" if s.confirmed else "no"
        click.echo(
            f"{s.service:<24} {s.category:<24} {s.inferred.value:<9} {s.effective.value:<9} "
            f"{mark:<5} {s.why}"
        )


@click.command()
@click.argument("service")
@click.argument("category", required=False)
@db_options
@json_option
def history(
    service: str, category: str | None, db: str | None, config_path: str | None, as_json: bool
) -> None:
    """A service's levels over time: inferred and effective, per scan.

    \b
    Example:
        fundamentals history payments-api logging
    """
    from scanner.effective import history as run_history

    points = run_history(Context(db, config_path).store, service, category)
    if as_json:
        _print_json([p.as_dict() for p in points])
        return
    for p in points:
        differs = "" if p.effective is p.inferred else f"  ({p.why})"
        click.echo(
            f"scan {p.scan_id:<5} {p.finished_at:%Y-%m-%d %H:%M}  {p.category:<24} "
            f"inferred {p.inferred.value:<8} effective {p.effective.value:<8}{differs}"
        )


# --- audit -------------------------------------------------------------------------------------


@click.group()
def audit() -> None:
    """Inspect and verify the append-only review log."""


@audit.command("verify")
@click.option(
    "--head",
    "expected_head",
    metavar="HASH",
    help="A head hash recorded earlier (`audit head`): also detects deleted newest entries.",
)
@db_options
@json_option
def audit_verify(
    expected_head: str | None, db: str | None, config_path: str | None, as_json: bool
) -> None:
    """Check the hash chain; name the first edited, deleted or reordered entry. Exit 1 if broken.

    \b
    Example:
        fundamentals audit verify --head "$(cat review-head.txt)"
    """
    from scanner.audit import verify_audit

    report = verify_audit(Context(db, config_path).store, expected_head)
    if as_json:
        _print_json(report.as_dict())
    elif report.ok:
        click.echo(f"ok: {report.entries} entries, head {report.head[:12] or '(empty)'}")
    else:
        assert report.problem is not None
        click.echo(f"BROKEN: {report.problem.message}")
    sys.exit(0 if report.ok else 1)


@audit.command("log")
@click.argument("service", required=False)
@db_options
@json_option
def audit_log(service: str | None, db: str | None, config_path: str | None, as_json: bool) -> None:
    """Print the review log, oldest first.

    \b
    Example:
        fundamentals audit log payments-api
    """
    from scanner.reviews import audit_log as read_log

    entries = read_log(Context(db, config_path).store, service)
    if as_json:
        _print_json([e.as_dict() for e in entries])
        return
    for e in entries:
        level = f" {e.level}" if e.level else ""
        ref = f" of {e.refers_to}" if e.refers_to else ""
        reason = " ".join(
            x for x in (f"[{e.reason_code}]" if e.reason_code else "", e.reason_text) if x
        )
        click.echo(
            f"{e.id:>5} {e.created_at:%Y-%m-%d %H:%M} {e.kind}{ref}{level} {e.service} {e.category}"
            f" by {e.actor} ({e.actor_source}) {reason}  #{e.entry_hash[:12]}"
        )


@audit.command("head")
@db_options
def audit_head(db: str | None, config_path: str | None) -> None:
    """Print the newest entry's hash; keep it to detect deletion of newer entries later.

    \b
    Example:
        fundamentals audit head > review-head.txt
    """
    from scanner.audit import head

    click.echo(head(Context(db, config_path).store))


# --- actions -----------------------------------------------------------------------------------


@click.group()
def action() -> None:
    """Commitments agreed in a review: add, list, done."""


@action.command("add")
@click.argument("service")
@click.argument("category")
@click.argument("text")
@click.option("--owner", required=True, help="Who will do it.")
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), help="Due date, YYYY-MM-DD.")
@db_options
@json_option
def action_add(
    service: str,
    category: str,
    text: str,
    owner: str,
    due: datetime | None,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Record an action.

    \b
    Example:
        fundamentals action add payments-api alerting "alert on 5xx rate" \\
            --owner ana --due 2026-03-31
    """
    from scanner.actions import add_action

    item = add_action(
        Context(db, config_path).store,
        service,
        category,
        text,
        owner=owner,
        due=due.date() if due else None,
    )
    if as_json:
        _print_json(item.as_dict())
    else:
        click.echo(f"action {item.id}: {item.service} {item.category}: {item.text} ({item.owner})")


@action.command("list")
@click.option("--overdue", is_flag=True, help="Only open actions past their due date.")
@click.option("--service", help="Only this service.")
@click.option("--all", "include_done", is_flag=True, help="Include done actions.")
@db_options
@json_option
def action_list(
    overdue: bool,
    service: str | None,
    include_done: bool,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """List open actions, soonest due first.

    \b
    Example:
        fundamentals action list --overdue
    """
    from scanner.actions import list_actions

    items = list_actions(
        Context(db, config_path).store, service=service, overdue=overdue, include_done=include_done
    )
    if as_json:
        _print_json([a.as_dict() for a in items])
        return
    today = date.today()
    for a in items:
        late = " OVERDUE" if a.overdue(today) else ""
        due = a.due.isoformat() if a.due else "no due date"
        click.echo(
            f"{a.id:>5} {a.status:<5} {due}{late}  {a.service} {a.category}: {a.text} ({a.owner})"
        )


@action.command("done")
@click.argument("action_id", metavar="ID", type=int)
@db_options
def action_done(action_id: int, db: str | None, config_path: str | None) -> None:
    """Mark an action done.

    \b
    Example:
        fundamentals action done 7
    """
    from scanner.actions import complete_action

    item = complete_action(Context(db, config_path).store, action_id)
    click.echo(f"action {item.id} done")


# --- the gate ----------------------------------------------------------------------------------


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--service", required=True, metavar="NAME", help="The service the checkout is.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML file.")
@click.option(
    "--baseline",
    metavar="REF",
    help="Fail on drops against: a baseline JSON file, a scan id, 'previous' or 'latest'.",
)
@click.option(
    "--no-scan", is_flag=True, help="Gate on the latest recorded scan instead of scanning."
)
@click.option(
    "--sarif", "sarif_path", type=click.Path(dir_okay=False), help="Write SARIF 2.1.0 here."
)
@click.option(
    "--junit", "junit_path", type=click.Path(dir_okay=False), help="Write JUnit XML here."
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False),
    help="Write the Markdown summary here (also appended to $GITHUB_STEP_SUMMARY).",
)
@click.option(
    "--write-baseline",
    "baseline_out",
    type=click.Path(dir_okay=False),
    help="Write the effective levels as a baseline file to commit.",
)
@db_options
@json_option
def gate(
    paths: tuple[str, ...],
    service: str,
    policy_path: str | None,
    baseline: str | None,
    no_scan: bool,
    sarif_path: str | None,
    junit_path: str | None,
    summary_path: str | None,
    baseline_out: str | None,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Scan a checkout and gate it on the policy: exit 0 pass, 1 fail, 2 input error, 3 fault.

    Uses effective scores: live approved overrides in the database count.

    \b
    Example:
        fundamentals gate . --service payments-api --sarif gate.sarif --junit gate.xml
        fundamentals gate --service payments-api --no-scan --baseline baseline.json
    """
    try:
        result, categories = _run_gate(
            Context(db, config_path), paths or (".",), service, policy_path, baseline, no_scan
        )
    except FundamentalsError:
        raise
    except Exception as exc:  # a bug must not look like a gate failure (exit 1)
        raise GateFault(f"internal fault: {type(exc).__name__}: {exc}") from exc
    from reports.gate_summary import to_markdown, write_step_summary
    from reports.junit import to_junit
    from reports.sarif import to_sarif
    from scanner.gate import baseline_json

    markdown = to_markdown([result])
    write_step_summary(markdown)
    outputs = [
        (summary_path, lambda: markdown),
        (sarif_path, lambda: json.dumps(to_sarif([result], categories=categories), indent=2)),
        (junit_path, lambda: to_junit([result])),
        (baseline_out, lambda: json.dumps(baseline_json([result]), indent=2)),
    ]
    for path, render in outputs:
        if path:
            try:
                Path(path).write_text(render() + "\n", encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot write {path}: {exc}") from None
    if as_json:
        _print_json(result.as_dict())
    else:
        click.echo(markdown)
    sys.exit(result.exit_code)


class GateFault(FundamentalsError):
    """Anything unexpected inside the gate: exit 3, never 1."""


def _run_gate(
    ctx: Context,
    paths: tuple[str, ...],
    service: str,
    policy_path: str | None,
    baseline_ref: str | None,
    no_scan: bool,
) -> tuple[Any, dict[str, Any]]:
    from scanner.gate import gate_latest, load_baseline, run_gate
    from scanner.policy import load_policy

    policy = load_policy(policy_path)
    catalog = ctx.config.catalog()
    if not no_scan:
        framework = ctx.framework
        result = run_gate(
            list(paths),
            service,
            policy,
            store=ctx.store,
            registry=ctx.registry,
            framework=framework,
            catalog=catalog,
            baseline_ref=baseline_ref,
        )
        return result, {c.id: c for c in framework.categories}
    framework = _framework_if_loadable(ctx, required=policy.uses_pillars)
    categories = {c.id: c for c in framework.categories} if framework else {}
    base = load_baseline(baseline_ref, ctx.store, service) if baseline_ref else None
    result = gate_latest(
        ctx.store,
        service,
        policy,
        catalog=catalog,
        pillars={k: c.pillar for k, c in categories.items()},
        baseline=base,
        baseline_ref=baseline_ref,
    )
    return result, categories


def _framework_if_loadable(ctx: Context, *, required: bool) -> Any:
    """Rules only name categories in reports unless the policy has pillar requirements."""
    try:
        return ctx.framework
    except RulesError:
        if required:
            raise
        click.echo("warning: rules did not load; reports use category ids only", err=True)
        return None


COMMANDS = (
    confirm,
    override,
    challenge,
    challenges,
    accept,
    reject,
    revoke,
    reviews_cmd,
    history,
    audit,
    action,
    gate,
)
