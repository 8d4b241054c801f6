"""``fundamentals report html|markdown|csv|json``: a thin shell over ``reports.report``.

Registered on the ``fundamentals`` group at the end of ``scanner.cli``.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click

from scanner.cli import Context, db_options


def _options(func: Any) -> Any:
    func = click.option("--domain", metavar="D", help="Only the services of this domain.")(func)
    func = click.option(
        "--since",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="DATE",
        help="Start of the trends, YYYY-MM-DD (default: a year ago).",
    )(func)
    return db_options(func)


def _write(
    fmt: str, out: str, domain: str | None, since: Any, db: str | None, config_path: str | None
) -> None:
    from reports.report import RENDERERS, report_document

    ctx = Context(db, config_path)
    start: date | None = since.date() if since else None
    document = report_document(ctx.store, ctx.framework, domain=domain, since=start)
    text = RENDERERS[fmt](document)
    if out == "-":
        sys.stdout.write(text)
        return
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    click.echo(
        f"wrote {out}: {document['summary']['services']} services, {len(text) / 1e6:.1f} MB",
        err=True,
    )


@click.group()
def report() -> None:
    """Write an estate report: HTML, Markdown, CSV or JSON (see docs/reports.md).

    \b
    Example:
        fundamentals report html estate.html --domain payments --since 2025-01-01
    """


@report.command("html")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@_options
def report_html(
    out: str, domain: str | None, since: Any, db: str | None, config_path: str | None
) -> None:
    """Write a self-contained HTML report (no network requests; opens from disk).

    \b
    Example:
        fundamentals report html estate.html --domain payments
    """
    _write("html", out, domain, since, db, config_path)


@report.command("markdown")
@click.argument("out", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@_options
def report_markdown(
    out: str, domain: str | None, since: Any, db: str | None, config_path: str | None
) -> None:
    """Write the report as Markdown, for a pull-request comment or a wiki page (OUT '-' is stdout).

    \b
    Example:
        fundamentals report markdown --domain payments > payments.md
    """
    _write("markdown", out, domain, since, db, config_path)


@report.command("csv")
@click.argument("out", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@_options
def report_csv(
    out: str, domain: str | None, since: Any, db: str | None, config_path: str | None
) -> None:
    """Write one CSV row per service × category (OUT '-' is stdout).

    \b
    Example:
        fundamentals report csv estate.csv
    """
    _write("csv", out, domain, since, db, config_path)


@report.command("json")
@click.argument("out", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@_options
def report_json(
    out: str, domain: str | None, since: Any, db: str | None, config_path: str | None
) -> None:
    """Write the report document as JSON, schema fundamentals-report/1 (OUT '-' is stdout).

    \b
    Example:
        fundamentals report json estate.json
    """
    _write("json", out, domain, since, db, config_path)
