"""A nightly scan killed with SIGKILL at any point resumes to exactly the uninterrupted result.

Real subprocesses, killed from inside at chosen SQL statements (mid-transaction) or from
outside once some services are recorded; the resumed scan is compared, service by service, with
an uninterrupted scan of the same estate into another database.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from scanner import tables as t
from scanner.cli import cli
from scanner.store import Store
from tests.estate_repos import make_estate, results_by_content

ROOT = Path(__file__).parent.parent
SERVICES = 8


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    return make_estate(tmp_path_factory.mktemp("estate"), SERVICES)


@pytest.fixture(scope="module")
def uninterrupted(estate, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('clean') / 'clean.db'}"
    result = CliRunner().invoke(
        cli, ["scan", "--all", "--config", str(estate), "--db", url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    store = Store(url)
    yield results_by_content(store, 1)
    store.engine.dispose()


def _scan_args(config: Path, url: str) -> list[str]:
    return ["scan", "--all", "--jobs", "3", "--config", str(config), "--db", url]


def _recorded(store: Store) -> int:
    with store.session() as session:
        return session.execute(select(func.count()).select_from(t.ServiceScanRow)).scalar_one()


def _resume_and_compare(url: str, config: Path, uninterrupted) -> None:
    store = Store(url)
    try:
        scans = store.latest_scan()
        assert scans is not None and scans.id == 1  # the killed scan
        result = CliRunner().invoke(
            cli,
            ["scan", "--all", "--resume", "1", "--config", str(config), "--db", url],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        with store.session() as session:
            assert session.execute(select(func.count()).select_from(t.ScanRow)).scalar_one() == 1
        scan = store.scan(1)
        assert scan is not None and scan.status == "complete"
        assert _recorded(store) == SERVICES  # each service exactly once
        assert results_by_content(store, 1) == uninterrupted
    finally:
        store.engine.dispose()


@pytest.mark.parametrize(
    "statement,nth,recorded",
    [
        ("INSERT INTO evidence", 1, {0}),  # the first service's transaction, nothing recorded
        ("INSERT INTO target_run", 4, {1, 2, 3}),  # mid-transaction, some services recorded
        ("INSERT INTO probe_run", 100, {3, 4, 5}),  # deep inside a service's transaction
        ("UPDATE scan", 1, {SERVICES}),  # every service recorded, the scan not yet closed
    ],
)
def test_a_scan_killed_mid_transaction_resumes_to_the_uninterrupted_result(
    estate, uninterrupted, tmp_path, statement, nth, recorded
):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    Store(url).engine.dispose()  # migrate first, so the kill counts only the scan's statements
    killed = subprocess.run(
        [sys.executable, "-m", "tests.estate_killer", statement, str(nth)]
        + _scan_args(estate, url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = Store(url)
    assert _recorded(store) in recorded
    store.engine.dispose()
    _resume_and_compare(url, estate, uninterrupted)


def test_a_scan_killed_from_outside_resumes_on_postgres(estate, uninterrupted, postgres_url):
    store = Store(postgres_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner", *_scan_args(estate, postgres_url)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _recorded(store) < 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert _recorded(store) < SERVICES, "the scan finished before it could be killed"
    store.engine.dispose()
    _resume_and_compare(postgres_url, estate, uninterrupted)
