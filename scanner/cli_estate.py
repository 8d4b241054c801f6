"""CLI commands for the estate: the catalog, and ``scan --all`` / ``scan finalize`` (thin).

Registered on the ``fundamentals`` group in ``scanner.cli``: ``COMMANDS`` with
``cli.add_command``, and ``with_estate_options(scan)`` replaces ``scan`` by the same command
plus the nightly-scan options.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from scanner.cli import Context, _print_json, db_options, json_option
from scanner.errors import InputError
from scanner.models import Tier

# --- catalog -----------------------------------------------------------------------------------


@click.group()
def catalog() -> None:
    """The catalog of services: import Backstage catalog-info.yaml files, list, validate.

    \b
    Example:
        fundamentals catalog import 'repos/*/catalog-info.yaml'
        fundamentals catalog list --json
    """


@catalog.command("import")
@click.argument("patterns", nargs=-1, required=True, metavar="PATH|GLOB...")
@db_options
@json_option
def catalog_import(
    patterns: tuple[str, ...], db: str | None, config_path: str | None, as_json: bool
) -> None:
    """Import Backstage Components as services; the import is the whole Backstage catalog.

    A folder means every catalog-info.yaml below it; quote globs. Invalid entries are reported
    with file:line and skipped, the valid ones load. A previously imported service that no file
    lists any more is retired (kept with its history, left out of `scan --all`).

    \b
    Example:
        fundamentals catalog import 'checkouts/**/catalog-info.yaml'
        fundamentals catalog import catalog/ --db postgresql://scanner@db/fundamentals
    """
    from scanner.catalog import read_catalog, sync_catalog

    ctx = Context(db, config_path)
    read = read_catalog(patterns)
    for problem in read.problems:
        click.echo(f"warning: {problem} (skipped)", err=True)
    result = sync_catalog(
        ctx.store, read.entries, "backstage", keep=read.kept_names, keep_files=read.unreadable
    )
    if as_json:
        _print_json(
            {
                **result.as_dict(),
                "files": read.files,
                "problems": [str(p) for p in read.problems],
            }
        )
        return
    click.echo(
        f"{len(read.entries)} service(s) from {len(read.files)} file(s): "
        f"{len(result.added)} added, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged, {len(result.retired)} retired"
        + (f"; {len(read.problems)} invalid entr(y/ies) skipped" if read.problems else "")
    )
    for name in result.retired:
        click.echo(f"retired: {name}")


@catalog.command("list")
@click.option("--retired", is_flag=True, help="Include retired services.")
@db_options
@json_option
def catalog_list(retired: bool, db: str | None, config_path: str | None, as_json: bool) -> None:
    """List the catalog: imported services and those of the config file.

    \b
    Example:
        fundamentals catalog list --retired --json
    """
    from scanner.catalog import config_entries, stored_catalog, sync_catalog

    ctx = Context(db, config_path)
    if ctx.config.path is not None:
        sync_catalog(ctx.store, config_entries(ctx.config), "config")
    entries = stored_catalog(ctx.store, include_retired=retired)
    if as_json:
        _print_json([e.as_dict() for e in entries])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("service", "owner", "tier", "GT", "domain", "system", "sources", "origin")
    for entry in entries:
        s = entry.service
        sources = [*s.repositories, *(f"{k}:{v}" for k, v in s.sources)]
        name = s.name + (" (retired)" if entry.retired_at else "")
        table.add_row(
            name,
            s.owner,
            s.tier.value,
            "✔" if s.golden_thread else "",
            s.domain,
            s.system,
            "\n".join(sources) or "—",
            entry.origin.split(":", 1)[0],
        )
    Console().print(table)
    click.echo(f"{len(entries)} service(s)")


@catalog.command("validate")
@click.argument("patterns", nargs=-1, metavar="[PATH|GLOB...]")
@click.option("--config", "config_path", envvar="FUNDAMENTALS_CONFIG", metavar="FILE")
def catalog_validate(patterns: tuple[str, ...], config_path: str | None) -> None:
    """Check catalog files (and the config file's services) without importing anything.

    Exits 0 when valid, 2 with one `file:line: problem` line per invalid entry otherwise.

    \b
    Example:
        fundamentals catalog validate 'repos/*/catalog-info.yaml'
    """
    from scanner.catalog import read_catalog
    from scanner.config import load_config

    config = load_config(config_path)  # raises with file:line when the config is invalid
    count = len(config.services)
    problems: list[str] = []
    if patterns:
        read = read_catalog(patterns)
        problems = [str(p) for p in read.problems]
        count += len(read.entries)
    if problems:
        raise InputError("\n".join(problems))
    click.echo(f"ok: {count} service(s)")


# --- scan --all ------------------------------------------------------------------------------


def with_estate_options(scan: click.Command) -> click.Command:
    """The ``scan`` command plus ``--all`` and the nightly options, and ``scan finalize``."""
    params: list[click.Parameter] = [
        click.Option(["--all", "scan_all"], is_flag=True, help="Scan every catalog service."),
        click.Option(["--domain"], metavar="D", help="With --all: only this domain."),
        click.Option(
            ["--tier"],
            type=click.Choice([t.value for t in Tier]),
            help="With --all: only this tier.",
        ),
        click.Option(
            ["--shard"], metavar="i/n", help="With --all: only shard i of n (stable by name)."
        ),
        click.Option(
            ["--run", "run_key"],
            metavar="KEY",
            help="Name of the run all shards join (default with --shard: nightly-<UTC date>).",
        ),
        click.Option(
            ["--resume"],
            type=int,
            metavar="SCAN_ID",
            help="Finish an interrupted scan: only services it has not recorded yet.",
        ),
        click.Option(
            ["--jobs"],
            type=click.IntRange(1, 256),
            default=8,
            show_default=True,
            help="Services scanned at once.",
        ),
    ]
    original = scan.callback
    assert original is not None

    def callback(**kwargs: Any) -> None:
        estate = {p.name: kwargs.pop(p.name) for p in params if p.name}
        if estate["scan_all"] or estate["resume"] is not None:
            if kwargs["paths"] or kwargs["service_name"]:
                raise InputError("--all scans the catalog: give no PATH and no --service")
            _scan_all(kwargs["db"], kwargs["config_path"], kwargs["as_json"], **estate)
            return
        used = [p.opts[0] for p in params if p.name and p.name != "jobs" and estate[p.name]]
        if used:
            raise InputError(f"{', '.join(used)} need(s) --all")
        original(**kwargs)

    help_text = (scan.help or "").replace(
        "\b\n    Example:",
        "With --all, scans every service of the catalog (see `fundamentals catalog`), a\n"
        "    thread pool at a time; `fundamentals scan finalize --run KEY` closes a sharded run.\n"
        "\n    \b\n    Example:",
    )
    help_text += (
        "\n        fundamentals scan --all --shard 2/4 --run nightly-42"
        "\n        fundamentals scan --all --resume 17"
        "\n        fundamentals scan finalize --run nightly-42"
    )
    return _ScanCommand(
        name="scan",
        params=[*scan.params, *params],
        callback=callback,
        help=help_text,
        short_help=scan.short_help,
    )


class _ScanCommand(click.Command):
    """``scan`` with one sub-command, ``finalize`` (a folder named so: ``scan ./finalize``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args[:1] == ["finalize"]:
            ctx.meta["fundamentals.finalize"] = args[1:]
            return []
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        rest = ctx.meta.pop("fundamentals.finalize", None)
        if rest is not None:
            with scan_finalize.make_context("scan finalize", rest, parent=ctx) as sub:
                return scan_finalize.invoke(sub)
        return super().invoke(ctx)


def _scan_all(
    db: str | None,
    config_path: str | None,
    as_json: bool,
    *,
    scan_all: bool,
    domain: str | None,
    tier: str | None,
    shard: str | None,
    run_key: str | None,
    resume: int | None,
    jobs: int,
) -> None:
    from scanner.catalog import estate
    from scanner.estate import Shard, default_run_key, scan_estate, select_services
    from scanner.scan_summary import summarize

    ctx = Context(db, config_path)
    parsed = Shard.parse(shard) if shard else None
    if parsed is not None and run_key is None and resume is None:
        run_key = default_run_key()
    services = select_services(
        estate(ctx.store, ctx.config),
        domain=domain,
        tier=Tier(tier) if tier else None,
        shard=parsed,
    )
    if not services and parsed is None:
        raise InputError(
            "the catalog has no services to scan (see `fundamentals catalog import`"
            + (", and the --domain/--tier filters)" if domain or tier else ")")
        )
    framework, registry = ctx.framework, ctx.registry
    progress = _Progress(len(services))
    with progress:
        outcome = scan_estate(
            services,
            store=ctx.store,
            registry=registry,
            framework=framework,
            run_key=run_key,
            resume=resume,
            shard=parsed,
            jobs=jobs,
            on_start=progress.start,
            on_service=progress.advance,
            remote=ctx.config.remote_settings(),
        )
    summary = summarize(ctx.store, outcome.scan_id, outcome.selected)
    from scanner import render_estate

    if as_json:
        _print_json(render_estate.outcome_json(outcome, summary))
    else:
        render_estate.print_outcome(outcome, summary)
    if outcome.failed:
        sys.exit(3)


class _Progress:
    """A rich progress bar on a terminal; one plain line per service otherwise (CI logs)."""

    def __init__(self, selected: int) -> None:
        self.selected = selected
        self.done = 0
        self.total = 0
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("scanning"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def start(self, scan_id: int, to_do: int) -> None:
        self.total = to_do
        already = self.selected - to_do
        if self.bar is not None:
            self.task = self.bar.add_task("", total=to_do)
        else:
            click.echo(
                f"scan {scan_id}: {to_do} service(s) to scan"
                + (f", {already} already recorded" if already else ""),
                err=True,
            )

    def advance(self, name: str, status: str, seconds: float) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=f"{name} {status}")
        else:
            click.echo(f"[{self.done}/{self.total}] {name}: {status} ({seconds:.1f}s)", err=True)


@click.command("finalize")
@click.option("--run", "run_key", metavar="KEY", help="The run to close.")
@click.option("--scan", "scan_id", type=int, metavar="SCAN_ID", help="The scan to close.")
@click.option("--force", is_flag=True, help="Close it even if shards are missing (incomplete).")
@db_options
@json_option
def scan_finalize(
    run_key: str | None,
    scan_id: int | None,
    force: bool,
    db: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Close a sharded nightly run once all its shards are in (exit 1 while some are missing).

    \b
    Example:
        fundamentals scan finalize --run nightly-2026-11-28
    """
    from scanner import render_estate
    from scanner.estate import finalize
    from scanner.scan_summary import summarize

    if (run_key is None) == (scan_id is None):
        raise InputError("give exactly one of --run KEY and --scan SCAN_ID")
    ctx = Context(db, config_path)
    result = finalize(ctx.store, run_key=run_key, scan_id=scan_id, force=force)
    summary = summarize(ctx.store, result.scan_id)
    if as_json:
        _print_json(render_estate.finalized_json(result, summary))
    else:
        render_estate.print_finalized(result, summary)
    if result.status == "open":
        sys.exit(1)


COMMANDS = (catalog,)
