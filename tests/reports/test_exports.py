"""CSV, Markdown and JSON outputs, and the `fundamentals report` commands."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

from click.testing import CliRunner

from reports.markdown import render_markdown
from reports.spreadsheet import COLUMNS, render_csv
from scanner.cli import cli


def test_csv_round_trips_the_counts(document):
    rows = list(csv.DictReader(io.StringIO(render_csv(document))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == sum(len(s["categories"]) for s in document["services"])
    tally = Counter(r["effective"] for r in rows)
    assert {k: tally.get(k, 0) for k in document["summary"]["counts"]} == document["summary"][
        "counts"
    ]
    for domain in document["summary"]["by_domain"]:
        mine = Counter(r["effective"] for r in rows if r["domain"] == domain["domain"])
        assert {k: mine.get(k, 0) for k in domain["counts"]} == domain["counts"]
    overridden = [r for r in rows if r["differs"] == "true"]
    assert {(r["service"], r["category"]) for r in overridden} >= {("ledger", "alerting")}


def test_markdown_has_the_key_tables(document):
    text = render_markdown(document)
    for heading in (
        "## Estate",
        "## Golden Thread hot spots",
        "## Needs attention",
        "## By domain",
        "## Scores",
        "## Level changes since the last review",
    ):
        assert heading in text
    assert "| Pillar | G | A | R | ? |" in text
    assert "| payments-api ★ | payments | mission-critical |" in text
    assert "Pending challenge" in text and "Overdue action" in text
    # Each table row has as many cells as its header.
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            widths = {line.replace("\\|", "").count("|") for line in lines}
            assert len(widths) == 1, block


def test_cli_writes_every_format(estate_url, tmp_path):
    runner = CliRunner()
    for fmt in ("html", "markdown", "csv", "json"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            cli,
            [
                "report",
                fmt,
                str(out),
                "--db",
                estate_url,
                "--domain",
                "payments",
                "--since",
                "2024-07-01",
            ],
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    data = json.loads((tmp_path / "report.json").read_text())
    assert {s["domain"] for s in data["services"]} == {"payments"}
    stdout = runner.invoke(cli, ["report", "markdown", "--db", estate_url])
    assert stdout.exit_code == 0 and stdout.output.startswith("# Fundamentals report")


def test_report_help_has_examples():
    runner = CliRunner()
    for args in (
        ["report"],
        ["report", "html"],
        ["report", "markdown"],
        ["report", "csv"],
        ["report", "json"],
    ):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example" in result.output
