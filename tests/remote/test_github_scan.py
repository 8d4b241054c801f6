"""Scanning GitHub repositories end to end: the real PyGithub client against the fake GitHub."""

from __future__ import annotations

import logging
from pathlib import Path

from scanner.engine import load_rules, scan
from scanner.models import Service
from scanner.plugins import default_registry
from scanner.store import Store
from tests.fakes.fixtures import TOKEN
from tests.fakes.github import sample_repo

ORDERS = Service(name="orders", github=("acme/orders",))


def _scan(store, settings, services=(ORDERS,)):
    registry = default_registry()
    return scan(
        list(services),
        store=store,
        registry=registry,
        framework=load_rules(registry),
        remote=settings,
    )


def test_a_cold_scan_reads_the_code_and_the_platform_facts(tmp_path, github, settings):
    github.add(sample_repo("acme/orders"))
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings)

    facts = {k: e.value for k, e in outcome.results[0].evidence.items()}
    assert facts["repo.codeowners"] is True  # a local probe, on the downloaded tree
    assert facts["ci.environments"] is True  # the workflow's `environment: production`
    assert facts["scm.pr_required"] is True
    assert facts["scm.required_approvals"] == 2
    assert facts["scm.required_status_checks"] == ["build"]
    assert facts["deploy.production_approvals"] is True
    assert facts["deploy.production_wait_timer_minutes"] == 15
    assert facts["dora.method"] == "deployments"
    assert facts["dora.deployment_frequency_per_week"] == round(11 / (90 / 7), 2)
    assert facts["dora.change_failure_rate"] == round(1 / 12, 3)
    assert facts["dora.lead_time_hours"] > 20
    assert facts["ci.tests_reported"] is True
    assert facts["security.dependabot_open_critical"] == 1
    assert facts["security.push_protection_enabled"] is True
    evidence = outcome.results[0].evidence["scm.pr_required"]
    assert evidence.locators[0].url.endswith("/repos/acme/orders/branches/main/protection")


def test_a_warm_scan_of_an_unchanged_repository_costs_at_most_five_calls(
    tmp_path, github, settings
):
    github.add(sample_repo("acme/orders"))
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    first = _scan(store, settings)
    cold = github.counted()

    second = _scan(store, settings)

    spent = github.counted() - cold
    assert spent <= 5, github.log[-15:]
    runs = store.target_runs(second.results[0].service_scan_id)
    assert {r.target: r.status for r in runs}["repository:github:acme/orders"] == "unchanged"
    assert not any("tarball" in path for _, path, _ in github.log[len(github.log) - 15 :])
    assert first.results[0].evidence.keys() == second.results[0].evidence.keys()
    usage = store.api_usage(second.scan_id)
    (source,) = usage.values()
    assert source.calls - source.not_modified == spent
    assert source.not_modified >= 8


def test_a_new_head_downloads_the_tree_again(tmp_path, github, settings):
    repo = github.add(sample_repo("acme/orders"))
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    _scan(store, settings)
    repo.sha = "d" * 40
    repo.files["Dockerfile"] = "FROM python:3.12\n"

    outcome = _scan(store, settings)

    assert outcome.results[0].evidence["container.dockerfile"].value is True


def test_the_token_never_reaches_the_database_or_the_logs(tmp_path, github, settings, caplog):
    github.add(sample_repo("acme/orders"))
    github.fail(r"/environments$", "forbidden")
    db = tmp_path / "db.sqlite"
    store = Store(f"sqlite:///{db}")
    caplog.set_level(logging.DEBUG)

    _scan(store, settings)
    _scan(store, settings)

    store.engine.dispose()
    for path in tmp_path.glob("db.sqlite*"):
        assert TOKEN.encode() not in Path(path).read_bytes()
    assert TOKEN not in caplog.text
    assert "CODELOAD" not in caplog.text  # the archive link's temporary token


def test_missing_permission_is_unknown_with_the_permission_named(tmp_path, github, settings):
    repo = github.add(sample_repo("acme/orders"))
    repo.security_and_analysis = None
    github.fail(r"/branches/main/protection$", "forbidden")
    github.fail(r"/environments$", "not_found")
    repo.dependabot = "Dependabot alerts are disabled for this repository."
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings)

    evidence = outcome.results[0].evidence
    assert evidence["scm.protection_includes_admins"].value is None
    assert "administration:read" in evidence["scm.protection_includes_admins"].reason
    assert evidence["deploy.production_environment"].value is None
    assert "environments:read" in evidence["deploy.production_environment"].reason
    assert evidence["security.secret_scanning_enabled"].value is None
    assert "administration:read" in evidence["security.secret_scanning_enabled"].reason
    assert "disabled" in evidence["security.dependabot_open_high"].reason
    assert evidence["security.code_scanning_enabled"].value is True  # still read


def test_server_errors_and_resets_are_retried_with_backoff(tmp_path, github, settings, sleeps):
    github.add(sample_repo("acme/orders"))
    github.fail(r"/environments$", "500")
    github.fail(r"/actions/runs$", "502")
    github.fail(r"/codeowners/errors$", "reset")
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings)

    evidence = outcome.results[0].evidence
    assert evidence["deploy.production_environment"].value is True
    assert evidence["ci.default_branch_success_rate"].value is not None
    assert evidence["scm.codeowners_valid"].value is True
    assert len(sleeps) == 3 and all(s < 1 for s in sleeps)
    assert next(iter(store.api_usage(outcome.scan_id).values())).retries == 3


def test_persistent_server_errors_become_unknown(tmp_path, github, settings):
    github.add(sample_repo("acme/orders"))
    github.fail(r"/environments$", "502", times=10)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings)

    reason = outcome.results[0].evidence["deploy.production_approvals"].reason
    assert "502" in reason


def test_a_secondary_rate_limit_is_waited_out(tmp_path, github, settings, sleeps):
    github.add(sample_repo("acme/orders"))
    github.fail(r"/dependabot/alerts$", "secondary", seconds=7)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings)

    assert 7.0 in sleeps
    assert outcome.results[0].evidence["security.dependabot_open_critical"].value == 1


def test_when_the_quota_runs_out_the_rest_is_deferred_and_the_scan_finishes(
    tmp_path, github, settings
):
    for name in ("one", "two", "three"):
        github.add(sample_repo(f"acme/{name}"))
    github.quota = 20  # the first repository costs 14
    services = [Service(name=n, github=(f"acme/{n}",)) for n in ("one", "two", "three")]
    services.append(Service(name="local", repositories=(str(tmp_path / "local"),)))
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "README.md").write_text("# local\n")
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings, services)

    assert outcome.status == "complete"
    by_name = {r.service.name: r for r in outcome.results}
    assert by_name["one"].evidence["scm.pr_required"].value is True
    three = by_name["three"].evidence
    assert three["scm.pr_required"].value is None
    assert "deferred: " in three["scm.pr_required"].reason
    assert "rate limit exhausted until" in three["repo.readme"].reason
    assert by_name["local"].evidence["repo.readme"].value is True
    log_after_exhaustion = [p for _, p, status in github.log if status == 403]
    assert len(log_after_exhaustion) == 1  # no request was sent once the quota was known spent
    usage = next(iter(store.api_usage(outcome.scan_id).values()))
    assert usage.rate_limited >= 1


def test_a_github_app_installation_token_is_used(tmp_path, github, settings, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from scanner.remote.context import GitHubSettings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    github.add(sample_repo("acme/orders"))
    monkeypatch.delenv("FAKE_GH_TOKEN")
    app = GitHubSettings(
        base_url=github.base_url, app_id="1234", private_key_file=str(pem), installation_id=42
    )
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    from dataclasses import replace

    outcome = _scan(store, replace(settings, github=app))

    assert github.app_tokens_issued == 1
    assert outcome.results[0].evidence["scm.pr_required"].value is True
