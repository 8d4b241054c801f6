"""The ``fundamentals`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints. Errors of our own
hierarchy become one line on stderr and an exit code: 2 for bad input, 3 for a runtime fault.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner import __version__, render
from scanner.errors import CatalogError, FundamentalsError, InputError

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Lazily built shared state: config, plugins, rules, store."""

    def __init__(self, db: str | None, config_path: str | None) -> None:
        self.db = db
        self.config_path = config_path

    @functools.cached_property
    def config(self) -> Any:
        from scanner.config import load_config

        return load_config(self.config_path)

    @functools.cached_property
    def registry(self) -> Any:
        from scanner.plugins import default_registry

        return default_registry()

    @functools.cached_property
    def framework(self) -> Any:
        from scanner.engine import load_rules

        return load_rules(self.registry, self.config)

    @functools.cached_property
    def store(self) -> Any:
        from scanner.store import Store

        return Store(self.db or self.config.database)


def db_options(func: F) -> F:
    """--db and --config, shared by every command that touches the store or the catalog."""
    func = click.option(
        "--db",
        envvar="FUNDAMENTALS_DB",
        metavar="URL",
        help="SQLAlchemy database URL (default: a SQLite file in your user data folder; "
        "env FUNDAMENTALS_DB).",
    )(func)
    func = click.option(
        "--config",
        "config_path",
        envvar="FUNDAMENTALS_CONFIG",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Configuration file (default: ./fundamentals.toml if present; "
        "env FUNDAMENTALS_CONFIG).",
    )(func)
    return func


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


class FundamentalsGroup(click.Group):
    """Turns our exceptions into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        # SIGTERM (a CI job cancelled, a pod evicted) ends a scan like Ctrl-C: marked incomplete.
        signal.signal(signal.SIGTERM, _terminate)
        try:
            return super().invoke(ctx)
        except FundamentalsError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"error: {line}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: the scan is recorded as incomplete", err=True)
            sys.exit(130)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@click.group(cls=FundamentalsGroup)
@click.version_option(__version__, prog_name="fundamentals")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """Score services against the Fundamentals framework from evidence the scanner collects.

    \b
    Example:
        fundamentals scan .          # scan this checkout, record and print its scores
        fundamentals explain my-repo logging
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )


# --- scanning --------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--service", "service_name", metavar="NAME", help="Record the paths as this service.")
@db_options
@json_option
def scan(
    paths: tuple[str, ...],
    service_name: str | None,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Scan repository checkouts, record the evidence and print the scores.

    Each PATH is a repository checkout (or any folder). Without --service, each path is the
    catalog service that lists it, or a service named after the folder.

    \b
    Example:
        fundamentals scan .
        fundamentals scan ../api ../web --service shop-frontend --json
    """
    from scanner.catalog import full_catalog
    from scanner.engine import scan as run_scan
    from scanner.engine import services_for_paths

    ctx = Context(db, config_path)
    services = services_for_paths(paths, service_name, full_catalog(ctx.store, ctx.config))
    framework, registry = ctx.framework, ctx.registry
    outcome = run_scan(
        services,
        store=ctx.store,
        registry=registry,
        framework=framework,
        remote=ctx.config.remote_settings(),
    )
    if as_json:
        _print_json(render.scan_json(outcome))
    else:
        render.print_scan(outcome, framework, _effective(ctx, [s.name for s in services]))
    if outcome.failed:
        sys.exit(3)


@cli.command()
@db_options
def rescore(db: str | None, config_path: str | None) -> None:
    """Re-score every service's latest evidence with the current rules, without re-scanning.

    \b
    Example:
        fundamentals rescore
    """
    from scanner.engine import rescore as run_rescore

    ctx = Context(db, config_path)
    count = run_rescore(ctx.store, ctx.framework)
    click.echo(f"re-scored {count} service(s) with rules {ctx.framework.digest[:12]}")


# --- reading results -------------------------------------------------------------------------


@cli.command()
@click.argument("service", required=False)
@db_options
@json_option
def scores(service: str | None, db: str | None, config_path: str | None, as_json: bool) -> None:
    """Show the latest scores of every service, or of one.

    \b
    Example:
        fundamentals scores
        fundamentals scores payments-api --json
    """
    ctx = Context(db, config_path)
    results = ctx.store.latest_results([service] if service else None)
    if service and not results:
        raise CatalogError(f"no recorded scan for service {service!r}")
    effective = _effective(ctx, [service] if service else None)
    if as_json:
        _print_json([render.result_json(r, effective) for r in results])
    elif service:
        render.print_service(results[0], ctx.framework, effective)
    else:
        render.print_matrix(results, ctx.framework, effective)


def _effective(ctx: Context, services: list[str] | None) -> dict[tuple[str, str], Any]:
    from scanner.effective import effective_scores

    return {(e.service, e.category): e for e in effective_scores(ctx.store, services)}


@cli.command()
@click.argument("service")
@click.option("--category", metavar="ID", help="Only the facts this category uses.")
@db_options
@json_option
def evidence(
    service: str, category: str | None, db: str | None, config_path: str | None, as_json: bool
) -> None:
    """List the evidence behind a service's latest scores, with where each fact came from.

    \b
    Example:
        fundamentals evidence payments-api --category logging
    """
    ctx = Context(db, config_path)
    result = _latest(ctx, service)
    items = list(result.evidence.values())
    if category:
        cat = _category(ctx, category)
        used = {key for c in cat.criteria for key in c.facts}
        items = [e for e in items if e.key in used]
    if as_json:
        _print_json([render.evidence_json(e) for e in items])
    else:
        render.print_evidence(items)


@cli.command()
@click.argument("service")
@click.argument("category")
@db_options
@json_option
def explain(
    service: str, category: str, db: str | None, config_path: str | None, as_json: bool
) -> None:
    """Explain one score: each criterion, the evidence it used, and what the next level needs.

    \b
    Example:
        fundamentals explain payments-api logging
    """
    ctx = Context(db, config_path)
    result = _latest(ctx, service)
    cat = _category(ctx, category)
    assessment = result.assessment(cat.id)
    if assessment is None:
        raise InputError(
            f"{service} has no assessment for {cat.id!r}; run `fundamentals rescore` after a "
            "rules change"
        )
    if as_json:
        _print_json(render.explain_json(result, cat, assessment))
    else:
        render.print_explain(result, cat, assessment)


def _latest(ctx: Context, service: str) -> Any:
    results = ctx.store.latest_results([service])
    if not results:
        known = ", ".join(ctx.store.service_names()[:10]) or "none yet"
        raise CatalogError(f"no recorded scan for service {service!r} (known: {known})")
    return results[0]


def _category(ctx: Context, category: str) -> Any:
    try:
        return ctx.framework.category(category)
    except KeyError:
        ids = ", ".join(c.id for c in ctx.framework.categories)
        raise InputError(f"unknown category {category!r}; categories are: {ids}") from None


# --- plugins and rules -----------------------------------------------------------------------


@cli.command()
@json_option
def probes(as_json: bool) -> None:
    """List installed probes and every fact they declare.

    \b
    Example:
        fundamentals probes --json
    """
    from scanner.plugins import default_registry

    registry = default_registry()
    if as_json:
        _print_json(render.probes_json(registry))
    else:
        render.print_probes(registry)


@cli.group(invoke_without_command=True)
@click.option("--config", "config_path", envvar="FUNDAMENTALS_CONFIG", metavar="FILE")
@json_option
@click.pass_context
def rules(ctx: click.Context, config_path: str | None, as_json: bool) -> None:
    """List the framework: pillars, categories and their criteria.

    \b
    Example:
        fundamentals rules
        fundamentals rules validate my-rules/
    """
    if ctx.invoked_subcommand is not None:
        return
    framework = Context(None, config_path).framework
    if as_json:
        _print_json(render.framework_json(framework))
    else:
        render.print_framework(framework)


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def rules_validate(paths: tuple[str, ...]) -> None:
    """Validate rule files against the facts the installed probes declare.

    Exits 0 when valid, 2 with one `file:line: problem` line per error otherwise.

    \b
    Example:
        fundamentals rules validate rules/ my-extra-rules.yaml
    """
    from scanner.plugins import default_registry
    from scanner.rules import load_framework

    framework = load_framework([Path(p) for p in paths], default_registry().facts)
    click.echo(
        f"ok: {len(framework.pillars)} pillar(s), {len(framework.categories)} categories, "
        f"{sum(len(c.criteria) for c in framework.categories)} criteria"
    )


# --- database --------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Manage the database."""


@db.command("upgrade")
@db_options
def db_upgrade(db: str | None, config_path: str | None) -> None:
    """Create the database or apply pending schema migrations.

    \b
    Example:
        fundamentals db upgrade --db postgresql://scanner@db.internal/fundamentals
    """
    from scanner.store import Store

    ctx = Context(db, config_path)
    store = Store(ctx.db or ctx.config.database, migrate=False)
    before, after = store.upgrade()
    if before == after:
        click.echo(f"{store.safe_url}: schema is up to date (revision {after})")
    else:
        click.echo(f"{store.safe_url}: upgraded schema {before or 'empty'} → {after}")


# Reviews, audit, actions and the CI gate live in their own module; registered here.
from reports.cli import report as REPORT_COMMAND  # noqa: E402
from scanner.cli_reviews import COMMANDS as REVIEW_COMMANDS  # noqa: E402

for _command in [*REVIEW_COMMANDS, REPORT_COMMAND]:
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="fundamentals")


# The estate: the catalog, and `scan --all` / `scan finalize` (scanner.cli_estate).
from scanner.cli_estate import COMMANDS as ESTATE_COMMANDS  # noqa: E402
from scanner.cli_estate import with_estate_options  # noqa: E402

cli.add_command(with_estate_options(scan))
for _command in ESTATE_COMMANDS:
    cli.add_command(_command)
