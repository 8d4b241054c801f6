"""The nightly scan of the estate: shards, incremental re-reads, accounting, summary, readers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import reviews
from scanner.actions import add_action
from scanner.catalog import estate
from scanner.cli import cli
from scanner.collect import Collector, Deferred
from scanner.config import parse_config
from scanner.engine import load_rules
from scanner.estate import Shard, finalize, scan_estate, select_services, shard_of
from scanner.hookspecs import hookimpl
from scanner.identity import Actor, Roles
from scanner.meter import count_call
from scanner.models import FactSpec, Observation, Service, Target
from scanner.plugins import build_registry, make_plugin_manager
from scanner.probe import Probe
from scanner.repository.collector import fingerprint_repository
from scanner.scan_summary import summarize
from scanner.store import Store
from tests.estate_repos import git, make_estate, results_by_content, table_counts

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def registry():
    return build_registry(make_plugin_manager(autoload=False))


@pytest.fixture(scope="module")
def framework(registry):
    return load_rules(registry)


def _scan(store, registry, framework, services, **options):
    return scan_estate(services, store=store, registry=registry, framework=framework, **options)


# --- selection ---------------------------------------------------------------------------------


def test_shards_are_stable_and_cover_every_service_exactly_once():
    names = [f"svc-{i}" for i in range(1000)]
    shards = [Shard(i, 4) for i in range(1, 5)]
    held = [[n for n in names if s.holds(n)] for s in shards]
    assert sorted(n for part in held for n in part) == sorted(names)
    assert all(200 < len(part) < 300 for part in held)  # roughly even
    # The same on every machine and every Python (no randomised hash()).
    assert [shard_of("payments-api", 4), shard_of("orders-api", 4)] == [
        shard_of("payments-api", 4),
        shard_of("orders-api", 4),
    ]
    assert (
        shard_of("payments-api", 4)
        == 1 + int.from_bytes(__import__("hashlib").sha256(b"payments-api").digest()[:8], "big") % 4
    )


def test_shard_option_is_checked():
    for bad in ("0/4", "5/4", "x", "1/0"):
        with pytest.raises(Exception, match="--shard"):
            Shard.parse(bad)


def test_domain_and_tier_select_services(tmp_path):
    config = parse_config(make_estate(tmp_path, 6))
    services = list(config.catalog().values())
    orders = select_services(services, domain="orders")
    assert [s.name for s in orders] == ["svc-000", "svc-002", "svc-004"]
    critical = select_services(services, tier=services[2].tier)
    assert [s.name for s in critical] == ["svc-002", "svc-005"]


# --- incremental -------------------------------------------------------------------------------


def test_fingerprint_names_the_commit_of_a_clean_checkout_only(tmp_path):
    config = parse_config(make_estate(tmp_path, 1))
    repo = Path(config.services[0].repositories[0])
    target = Target("repository", str(repo))
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert fingerprint_repository(target) == f"git:{head}/r1"
    (repo / "new.txt").write_text("untracked")
    assert fingerprint_repository(target) is None  # dirty: read again, every time
    (repo / "new.txt").unlink()
    plain = tmp_path / "plain"
    plain.mkdir()
    assert fingerprint_repository(Target("repository", str(plain))) is None


def test_a_warm_scan_reuses_unchanged_checkouts_and_reads_changed_ones(
    tmp_path, store, registry, framework
):
    config = parse_config(make_estate(tmp_path, 4))
    services = list(config.catalog().values())
    first = _scan(store, registry, framework, services)
    assert first.count("scanned") == 4 and first.status == "complete"
    second = _scan(store, registry, framework, services)
    assert second.count("unchanged") == 4
    assert results_by_content(store, first.scan_id) == results_by_content(store, second.scan_id)

    changed = Path(services[0].repositories[0])
    (changed / "SECURITY.md").write_text("Report to security@example.com\n")  # dirty
    dirty = _scan(store, registry, framework, services)
    assert dirty.statuses[services[0].name] == "scanned"
    git(changed, "add", "-A")
    git(changed, "commit", "-q", "-m", "security policy")
    committed = _scan(store, registry, framework, services)
    assert committed.statuses[services[0].name] == "scanned"
    assert _scan(store, registry, framework, services).count("unchanged") == 4


# --- remote sources: accounting and deferral ----------------------------------------------------

REMOTE = Probe(
    id="remote_stub",
    version="1",
    target_kind="stubhub",
    facts=(FactSpec("stub.readable", "bool", "the stub source answered"),),
    observe=lambda snapshot: [Observation("stub.readable", True)],
)


class StubSource:
    """A remote source stand-in: one conditional request per fingerprint (free when unchanged),
    two quota-costing calls per collect; services named in ``busy`` get "come back later"."""

    def __init__(self) -> None:
        self.busy: set[str] = set()
        self.version = "etag-1"
        self.seen: set[str] = set()

    def fingerprint(self, target: Target) -> str | None:
        if target.location in self.busy:
            count_call("stubhub")
            raise Deferred("stubhub: rate limit, retry after 3600 s")
        unchanged = target.location in self.seen
        count_call("stubhub", free=unchanged)
        return self.version

    def collect(self, target: Target) -> dict:
        count_call("stubhub", calls=2)
        self.seen.add(target.location)
        return {}

    @hookimpl
    def fundamentals_probes(self):
        return [REMOTE]

    @hookimpl
    def fundamentals_collectors(self):
        return [Collector("stubhub", self.collect, fingerprint=self.fingerprint)]


def test_api_calls_are_counted_per_source_and_a_deferred_service_is_resumed(store):
    stub = StubSource()
    pm = make_plugin_manager(autoload=False)
    pm.register(stub, name="stub")
    registry = build_registry(pm)
    framework = load_rules(registry)
    services = [Service(f"r{i}", sources=(("stubhub", f"org/r{i}"),)) for i in range(5)]
    stub.busy = {"org/r3"}

    first = _scan(store, registry, framework, services)
    assert first.status == "incomplete"
    assert list(first.deferred) == ["r3"] and first.count("scanned") == 4
    assert first.api_calls == {"stubhub": [13, 0]}  # 4 × (1 + 2) + 1 refused
    assert summarize(store, first.scan_id).api_calls == {"stubhub": [12, 0]}

    stub.busy = set()
    resumed = _scan(store, registry, framework, services, resume=first.scan_id)
    assert resumed.status == "complete" and resumed.count("already recorded") == 4
    assert resumed.statuses["r3"] == "scanned"

    warm = _scan(store, registry, framework, services)
    assert warm.count("unchanged") == 5
    assert warm.api_calls == {"stubhub": [5, 5]}  # one free conditional request each
    result = store.results_for_scan(warm.scan_id)[0]
    assert result.evidence["stub.readable"].value is True


# --- summary -----------------------------------------------------------------------------------


def test_summary_names_level_changes_new_stale_reviews_and_overdue_actions(
    tmp_path, store, registry, framework
):
    config = parse_config(make_estate(tmp_path, 2))
    services = list(config.catalog().values())
    first = _scan(store, registry, framework, services)
    assert summarize(store, first.scan_id).level_changes == []
    reliability = Actor("re@example.com", "env")
    roles = Roles(reliability_engineers=frozenset({"re@example.com"}))
    for category in framework.categories:
        reviews.confirm(store, "svc-000", category.id, actor=reliability, roles=roles)
    add_action(store, "svc-001", "logging", "ship logs", owner="t", due=date.today() - timedelta(1))

    repo = Path(services[0].repositories[0])
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ci")
    second = _scan(store, registry, framework, services)
    summary = summarize(store, second.scan_id)
    assert summary.level_changes and {c.service for c in summary.level_changes} == {"svc-000"}
    changed = {c.category for c in summary.level_changes}
    stale = {r.category for r in summary.new_stale_reviews}
    assert changed <= stale and all(r.kind == "confirm" for r in summary.new_stale_reviews)
    assert [a.service for a in summary.overdue_actions] == ["svc-001"]
    # Stale once is not *newly* stale again next night.
    third = _scan(store, registry, framework, services)
    assert summarize(store, third.scan_id).new_stale_reviews == []


# --- shards as processes against PostgreSQL -----------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_four_shard_processes_store_exactly_the_unsharded_results(tmp_path, postgres_url):
    config = make_estate(tmp_path, 16)
    single = f"sqlite:///{tmp_path / 'single.db'}"
    assert _cli("scan", "--all", "--config", str(config), "--db", single).returncode == 0
    Store(postgres_url).engine.dispose()  # migrate once, as `db upgrade` in a deployment job
    shard_args = ["scan", "--all", "--run", "nightly-test", "--config", str(config)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "scanner", *shard_args, "--shard", f"{i}/4"]
            + ["--db", postgres_url],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(1, 5)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    sharded = Store(postgres_url)
    reference = Store(single)
    try:
        [scan] = [s for s in [sharded.latest_scan()] if s is not None]
        assert scan.run_key == "nightly-test" and scan.status == "running"
        done = _cli("scan", "finalize", "--run", "nightly-test", "--db", postgres_url, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["status"] == "complete"
        assert results_by_content(sharded, scan.id) == results_by_content(reference, 1)

        before = table_counts(sharded)
        rerun = _cli(*shard_args, "--shard", "2/4", "--db", postgres_url)
        assert rerun.returncode == 0, rerun.stderr
        again = _cli("scan", "finalize", "--run", "nightly-test", "--db", postgres_url)
        assert again.returncode == 0
        assert table_counts(sharded) == before
        assert results_by_content(sharded, scan.id) == results_by_content(reference, 1)
    finally:
        sharded.engine.dispose()
        reference.engine.dispose()


def test_finalize_waits_for_every_shard(tmp_path, store, registry, framework):
    services = list(parse_config(make_estate(tmp_path, 3)).catalog().values())
    first = _scan(store, registry, framework, services, run_key="n1", shard=Shard(1, 2))
    assert first.status == "running"
    waiting = finalize(store, run_key="n1")
    assert (waiting.status, waiting.missing) == ("open", (2,))
    _scan(store, registry, framework, services, run_key="n1", shard=Shard(2, 2))
    closed = finalize(store, run_key="n1")
    assert closed.status == "complete"
    scan = store.scan(closed.scan_id)
    assert scan is not None and scan.status == "complete"
    assert len(store.results_for_scan(closed.scan_id)) == 3


# --- a reader while a scan writes ---------------------------------------------------------------


def test_a_reader_sees_only_complete_results_while_a_scan_writes(tmp_path, db_url, framework):
    config = make_estate(tmp_path, 16)
    store = Store(db_url)
    categories = len(framework.categories)
    writer = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", "--all", "--jobs", "4"]
        + ["--config", str(config), "--db", db_url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[int] = set()
    try:
        while writer.poll() is None:
            results = store.latest_results()
            seen.add(len(results))
            for result in results:
                assert len(result.assessments) == categories, result.service.name
                ids = {e.id for e in result.evidence.values()}
                for assessment in result.assessments:
                    assert set(assessment.evidence_ids) <= ids
    finally:
        _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert len(store.latest_results()) == 16
    assert len(seen) > 1, "the reader never saw the scan in progress"
    store.engine.dispose()


# --- command line ------------------------------------------------------------------------------


def test_scan_all_cli_reports_progress_lines_and_a_summary(tmp_path, db_url):
    config = make_estate(tmp_path, 3)
    runner = CliRunner()
    args = ["scan", "--all", "--config", str(config), "--db", db_url]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "[3/3]" in result.output  # progress lines when not on a terminal
    assert "3 scanned · 0 unchanged · 0 failed · 0 deferred" in result.output
    warm = runner.invoke(cli, [*args, "--json"], catch_exceptions=False)
    data = json.loads(warm.stdout)
    assert (data["unchanged"], data["summary"]["level_changes"]) == (3, [])


@pytest.mark.parametrize(
    "args,message",
    [
        (["scan", ".", "--all"], "give no PATH"),
        (["scan", ".", "--shard", "1/2"], "--shard need(s) --all"),
        (["scan", "finalize"], "exactly one of --run"),
        (["scan", "--all", "--resume", "99"], "no such scan"),
    ],
)
def test_scan_all_usage_errors_exit_2(tmp_path, sqlite_url, args, message):
    config = make_estate(tmp_path, 1)
    result = CliRunner().invoke(cli, [*args, "--config", str(config), "--db", sqlite_url])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_estate_includes_config_services_and_retires_removed_ones(tmp_path, store):
    config_path = make_estate(tmp_path, 3)
    assert [s.name for s in estate(store, parse_config(config_path))] == [
        "svc-000",
        "svc-001",
        "svc-002",
    ]
    text = config_path.read_text()
    config_path.write_text(text[: text.index("[[services]]", text.index('"svc-001"'))])
    assert [s.name for s in estate(store, parse_config(config_path))] == ["svc-000", "svc-001"]
