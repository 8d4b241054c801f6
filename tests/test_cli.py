"""The `fundamentals` command end to end, as a user runs it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scanner.cli import cli

FIXTURES = Path(__file__).parent / "probes" / "fixtures"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args: str, db: bool = True):
        argv = list(args) + (["--db", db_url] if db else [])
        return runner.invoke(cli, argv, catch_exceptions=False)

    return invoke


def test_scan_prints_scores_by_pillar_and_records_them(run):
    result = run("scan", str(FIXTURES / "dotnet_service"), "--service", "orders-api")
    assert result.exit_code == 0, result.output
    assert "Monitoring & Observability" in result.output
    assert re.search(r"Logging\s+│ G Green", result.output)
    assert re.search(r"Green \d+ · Amber \d+ · Red \d+ · Unknown \d+", result.output)

    scores = run("scores", "orders-api", "--json")
    [service] = json.loads(scores.output)
    assert service["service"] == "orders-api"
    assert service["assessments"]["logging"] == "green"
    assert service["effective"]["logging"]["effective"] == "green"


def test_scan_json_has_facts_and_assessments(run):
    result = run("scan", str(FIXTURES / "malformed"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [service] = data["services"]
    assert data["status"] == "complete"
    assert service["service"] == "malformed"
    assert service["facts"]["repo.readme"] is True
    assert service["facts"]["ci.runs_tests"] is None  # malformed workflow: unknown, not false
    assert service["assessments"]["logging"] == "unknown"  # could not look: never Red
    # No tests at all is a definite "no", whatever the unreadable workflow says: Red.
    assert service["assessments"]["build-test-pipelines"] == "red"
    assert set(service["assessments"].values()) <= {
        "red",
        "amber",
        "green",
        "unknown",
        "not_assessed",
        "not_applicable",
    }


def test_evidence_and_explain_show_locators_and_next_steps(run):
    run("scan", str(FIXTURES / "python_service"), "--service", "svc")
    evidence = json.loads(run("evidence", "svc", "--category", "logging", "--json").output)
    keys = {e["key"] for e in evidence}
    assert keys == {"logging.structured", "telemetry.sdk"}
    structured = next(e for e in evidence if e["key"] == "logging.structured")
    assert structured["value"] is True
    assert structured["locators"][0]["path"] == "pyproject.toml"

    explained = json.loads(run("explain", "svc", "slos", "--json").output)
    assert explained["level"] == "red"
    assert explained["next_level"] == "amber"
    assert explained["missing_for_next_level"]
    assert explained["guidance"].startswith("https://")

    text = run("explain", "svc", "logging").output
    assert "Criteria:" in text and "pyproject.toml:" in text and "Guidance:" in text


def test_unknown_service_and_category_are_input_errors(run):
    run("scan", str(FIXTURES / "bare"), "--service", "bare")
    missing = run("explain", "nope", "logging")
    assert missing.exit_code == 2
    assert "no recorded scan for service 'nope'" in missing.output
    bad_category = run("explain", "bare", "nope")
    assert bad_category.exit_code == 2
    assert "unknown category 'nope'; categories are: logging," in bad_category.output


def test_bad_paths_exit_2_with_one_line(run, tmp_path):
    missing = run("scan", str(tmp_path / "absent"))
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines() == [
        f"error: {tmp_path / 'absent'}: no such file or directory"
    ]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hi")
    result = run("scan", str(a_file))
    assert result.exit_code == 2
    assert "is a file; give the folder of a repository checkout" in result.output


def test_rescore_after_a_rules_change_needs_no_rescan(run, tmp_path):
    repo = tmp_path / "svc"
    shutil.copytree(FIXTURES / "node_service", repo)
    run("scan", str(repo), "--service", "svc")
    shutil.rmtree(repo)  # evidence is stored: the checkout is not needed any more
    result = run("rescore")
    assert result.exit_code == 0, result.output
    assert "re-scored 1 service(s)" in result.output


def test_malformed_config_names_file_and_line(run, tmp_path):
    config = tmp_path / "fundamentals.toml"
    config.write_text('[[services]]\nname = "a"\n\n[[services]]\nname = "b"\ntier = "gold"\n')
    result = run("scan", str(FIXTURES / "bare"), "--config", str(config))
    assert result.exit_code == 2
    assert f"{config}:6: services.1.tier: Input should be" in result.output

    config.write_text("[[services]\nname = 'a'\n")
    result = run("scores", "--config", str(config))
    assert result.exit_code == 2
    assert str(config) in result.output and "line 1" in result.output


def test_catalog_service_keeps_its_tier(run, tmp_path):
    config = tmp_path / "fundamentals.toml"
    config.write_text(
        '[[services]]\nname = "orders"\ntier = "mission-critical"\ngolden_thread = true\n'
        f'repositories = ["{FIXTURES / "java_service"}"]\n'
    )
    result = run("scan", "--service", "orders", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    [service] = json.loads(result.output)["services"]
    assert service["tier"] == "mission-critical" and service["golden_thread"] is True
    assert service["assessments"]["performance-testing"] != "not_applicable"


def test_rules_validate_reports_file_and_line(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    good = (ROOT / "rules" / "monitoring.yaml").read_text()
    bad.write_text(good.replace("expr: logging.structured", "expr: logging.structurd"))
    result = run("rules", "validate", str(bad), db=False)
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(bad))}:\d+: .*logging\.structurd", result.output)
    ok = run("rules", "validate", str(ROOT / "rules"), db=False)
    assert ok.exit_code == 0 and ok.output.startswith("ok: 4 pillar(s)")


def test_probes_json_lists_every_declared_fact(run):
    probes = json.loads(run("probes", "--json", db=False).output)
    keys = {f["key"] for p in probes for f in p["facts"]}
    assert {"repo.readme", "ci.runs_tests", "iac.kinds", "logging.structured"} <= keys
    assert all(p["plugin"] == "builtin" for p in probes)
    assert {p["target_kind"] for p in probes} == {
        "repository",
        "platform",
        "azure",
        "azure-monitor",
    }


def test_db_upgrade_is_idempotent(run):
    first = run("db", "upgrade")
    assert first.exit_code == 0 and "upgraded schema empty → " in first.output
    again = run("db", "upgrade")
    assert again.exit_code == 0 and "schema is up to date" in again.output


def _commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("name,command", list(_commands(cli)), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(name, command):
    if isinstance(command, click.Group):
        assert command.help, f"{name} has no help"
        return
    assert command.help and "Example" in command.help, f"`fundamentals {name}` help has no example"


def test_readme_documents_every_top_level_command():
    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"fundamentals {name}" in readme or f"`{name}`" in readme, name


def test_console_script_is_installed_and_runs():
    exe = shutil.which("fundamentals") or str(Path(sys.executable).parent / "fundamentals")
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("fundamentals, version ")


def test_service_is_named_after_the_origin_remote_or_the_folder(run, tmp_path):
    repo = tmp_path / "checkout"
    shutil.copytree(FIXTURES / "node_service", repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "remote", "add", "origin", "git@github.com:contoso/web-shop.git"],
        check=True,
    )
    (repo / "svc").mkdir()
    names = [
        json.loads(run("scan", str(path), "--json").output)["services"][0]["service"]
        for path in (repo, repo / "svc")
    ]
    assert names == ["web-shop", "svc"]  # a folder inside a checkout keeps its own name
