"""The nightly scan of the whole estate: bounded concurrency, shards, resume, a closing summary.

``scan --all`` scans every catalog service (or those of a domain / tier / shard) with a pool of
threads — the work is I/O-bound, reading remote APIs. Each service's result is written in one
transaction, so a process killed at any point leaves complete results for some services and
nothing for the others; ``--resume SCAN_ID`` (or re-running with the same ``--run KEY``) scans
only the services that scan has not recorded yet, with the rules and the assessment date of the
original run, and so ends with exactly the results an uninterrupted scan would have.

Shards: ``--shard i/n`` takes the services whose stable hash falls in shard ``i``; all shards of a
night share one scan row through ``--run KEY``. A shard records itself in ``scan_shard`` when it
ends; ``finalize`` closes the scan once all ``n`` are in. Re-running a shard is harmless: the
services it has recorded are skipped, and a second writer of the same service loses cleanly on
the unique (scan, service) key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from scanner import __version__
from scanner import tables as t
from scanner.collect import Deferred
from scanner.effective import record_retirements
from scanner.engine import PROBE_TIMEOUT_SECONDS, observe_service, record_service
from scanner.errors import InputError
from scanner.meter import Usage, add, metering
from scanner.models import Service, Tier
from scanner.plugins import Registry
from scanner.remote.context import RemoteSettings, scan_context
from scanner.rules import Framework
from scanner.store import Store, now

log = logging.getLogger(__name__)

DEFAULT_JOBS = 8
MAX_NOTE_CHARS = 2000

# Service statuses reported to ``on_service`` and counted in the outcome.
SCANNED, UNCHANGED, ALREADY, FAILED, DEFERRED = (
    "scanned",
    "unchanged",
    "already recorded",
    "failed",
    "deferred",
)


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"i/n"`` with 1 <= i <= n."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise InputError(f"--shard {text!r}: expected i/n, e.g. 2/4") from None
        if not 1 <= index <= count:
            raise InputError(f"--shard {text!r}: i must be between 1 and n")
        return cls(index, count)

    def holds(self, name: str) -> bool:
        return shard_of(name, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(name: str, count: int) -> int:
    """The 1-based shard of a service: a stable hash of its name, the same on every machine."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % count + 1


def select_services(
    services: Sequence[Service],
    *,
    domain: str | None = None,
    tier: Tier | None = None,
    shard: Shard | None = None,
) -> list[Service]:
    chosen = [
        s
        for s in services
        if (domain is None or s.domain == domain)
        and (tier is None or s.tier is tier)
        and (shard is None or shard.holds(s.name))
    ]
    return sorted(chosen, key=lambda s: s.name)


def default_run_key(today: date | None = None) -> str:
    return f"nightly-{(today or now().date()).isoformat()}"


@dataclass
class EstateOutcome:
    scan_id: int
    status: str  # complete | incomplete | running (a shard: the run stays open for finalize)
    selected: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # service → one of the statuses above
    failed: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, str] = field(default_factory=dict)
    api_calls: dict[str, list[int]] = field(default_factory=dict)  # source → [calls, free]
    run_key: str | None = None
    shard: Shard | None = None

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses.values() if s == status)


def open_scan(
    store: Store,
    framework: Framework,
    *,
    run_key: str | None = None,
    resume: int | None = None,
) -> t.ScanRow:
    """The scan to write into: resumed by id, joined by run key, or new."""
    if resume is not None:
        scan = store.scan(resume)
        if scan is None:
            raise InputError(f"--resume {resume}: no such scan")
        if run_key is not None and scan.run_key != run_key:
            raise InputError(
                f"--resume {resume}: that scan is run {scan.run_key!r}, not {run_key!r}"
            )
    elif run_key is not None:
        scan = _scan_for_run(store, run_key, framework)
    else:
        scan = store.scan(store.start_scan(framework.digest, __version__))
        assert scan is not None
    if scan.rules_digest != framework.digest:
        raise InputError(
            f"scan {scan.id} was started with rules {scan.rules_digest[:12]}, these are "
            f"{framework.digest[:12]}: resuming would mix results; start a new run"
        )
    return scan


def _scan_for_run(store: Store, run_key: str, framework: Framework) -> t.ScanRow:
    if not run_key or len(run_key) > 100:
        raise InputError("--run KEY must be 1 to 100 characters")
    for _ in range(3):
        with store.session() as session:
            scan = session.execute(
                select(t.ScanRow).where(col(t.ScanRow.run_key) == run_key)
            ).scalar_one_or_none()
            if scan is not None:
                return scan
            scan = t.ScanRow(
                started_at=now(),
                rules_digest=framework.digest,
                tool_version=__version__,
                run_key=run_key,
            )
            session.add(scan)
            try:
                session.commit()
            except IntegrityError:  # another shard opened it first: join theirs
                session.rollback()
                continue
            session.refresh(scan)
            return scan
    raise InputError(f"cannot open run {run_key!r}")  # pragma: no cover — raced three times


def recorded_services(store: Store, scan_id: int) -> set[str]:
    with store.session() as session:
        rows = session.execute(
            select(col(t.ServiceRow.name))
            .join(t.ServiceScanRow, col(t.ServiceScanRow.service_id) == col(t.ServiceRow.id))
            .where(col(t.ServiceScanRow.scan_id) == scan_id)
        )
        return {r[0] for r in rows}


def scan_estate(
    services: Sequence[Service],
    *,
    store: Store,
    registry: Registry,
    framework: Framework,
    run_key: str | None = None,
    resume: int | None = None,
    shard: Shard | None = None,
    jobs: int = DEFAULT_JOBS,
    probe_timeout: float = PROBE_TIMEOUT_SECONDS,
    on_start: Callable[[int, int], None] | None = None,
    on_service: Callable[[str, str, float], None] | None = None,
    remote: RemoteSettings | None = None,
) -> EstateOutcome:
    """Scan ``services`` (already selected) into a new, joined or resumed scan.

    ``on_start(scan_id, to_do)`` and ``on_service(name, status, seconds)`` report progress;
    ``on_service`` is called from the scanning threads one at a time. ``remote`` says where
    GitHub / Azure DevOps are; their validators live in ``store`` and the calls each source
    cost are added to the scan's ``api_usage`` (shards add theirs to the same rows).
    """
    with scan_context(store, remote) as context:
        outcome = _scan_estate(
            services,
            store,
            registry,
            framework,
            run_key,
            resume,
            shard,
            jobs,
            probe_timeout,
            on_start,
            on_service,
        )
        store.record_api_usage(outcome.scan_id, context.usage.totals())
    return outcome


def _scan_estate(
    services: Sequence[Service],
    store: Store,
    registry: Registry,
    framework: Framework,
    run_key: str | None,
    resume: int | None,
    shard: Shard | None,
    jobs: int,
    probe_timeout: float,
    on_start: Callable[[int, int], None] | None,
    on_service: Callable[[str, str, float], None] | None,
) -> EstateOutcome:
    scan = open_scan(store, framework, run_key=run_key, resume=resume)
    assert scan.id is not None
    scan_id = scan.id
    # Assessed as of the day the run started, so a resumed run judges exactly as the first did.
    today = scan.started_at.date()
    outcome = EstateOutcome(
        scan_id, "running", [s.name for s in services], run_key=scan.run_key, shard=shard
    )
    done = recorded_services(store, scan_id)
    todo = [s for s in services if s.name not in done]
    for name in outcome.selected:
        if name in done:
            outcome.statuses[name] = ALREADY
    if on_start:
        on_start(scan_id, len(todo))
    if not todo and _already_closed(store, scan, shard):
        outcome.status = scan.status if shard is None else "running"
        return outcome  # a re-run with nothing to do writes nothing
    if shard is not None:
        _shard_started(store, scan_id, shard)
    elif scan.status != "running":
        _reopen(store, scan_id)
    lock = threading.Lock()

    def work(service: Service) -> None:
        started = time.perf_counter()
        status, why, usage = _scan_one(
            service, store, registry, framework, scan_id, today, probe_timeout
        )
        with lock:
            outcome.statuses[service.name] = status
            add(outcome.api_calls, usage)
            if status == FAILED:
                outcome.failed[service.name] = why
            elif status == DEFERRED:
                outcome.deferred[service.name] = why
            if on_service:
                on_service(service.name, status, time.perf_counter() - started)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="scan")
    try:
        pending: set[Future[None]] = {pool.submit(work, s) for s in todo}
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()  # work() catches per service; anything here is a bug: raise it
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _close(store, outcome, "incomplete", "interrupted")
        raise
    pool.shutdown(wait=True)
    complete = not outcome.failed and not outcome.deferred
    _close(store, outcome, "complete" if complete else "incomplete", _note(outcome))
    return outcome


def _scan_one(
    service: Service,
    store: Store,
    registry: Registry,
    framework: Framework,
    scan_id: int,
    today: date,
    probe_timeout: float,
) -> tuple[str, str, Usage]:
    usage: Usage = {}
    try:
        with metering() as usage:
            evidence, runs = observe_service(
                service, registry, prior=store.prior_target, probe_timeout=probe_timeout
            )
        record_service(
            store,
            service,
            evidence,
            runs,
            scan_id=scan_id,
            framework=framework,
            today=today,
            api_calls=usage,
        )
    except Deferred as exc:
        return DEFERRED, str(exc) or "the source asked to come back later", usage
    except IntegrityError as exc:
        if service.name in recorded_services(store, scan_id):  # another process was faster
            return ALREADY, "", usage
        log.error("service %s: result not recorded: %s", service.name, exc)
        return FAILED, _first_line(exc), usage
    except Exception as exc:  # one service's failure must not lose the others
        log.error("service %s: result not recorded: %s", service.name, exc)
        return FAILED, _first_line(exc), usage
    unchanged = bool(runs) and all(r.status == "unchanged" for r in runs)
    return (UNCHANGED if unchanged else SCANNED), "", usage


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


def _note(outcome: EstateOutcome) -> str:
    parts = [f"{k}: {v}" for k, v in sorted(outcome.failed.items())]
    parts += [f"{k}: deferred: {v}" for k, v in sorted(outcome.deferred.items())]
    return "; ".join(parts)[:MAX_NOTE_CHARS]


def _close(store: Store, outcome: EstateOutcome, status: str, note: str) -> None:
    if outcome.shard is not None:
        _shard_finished(store, outcome, status)
        outcome.status = "running"  # the run stays open until `scan finalize`
        return
    store.finish_scan(outcome.scan_id, status, note=note)
    outcome.status = status
    if status == "complete" or note != "interrupted":
        record_retirements(store)


# --- shards ------------------------------------------------------------------------------------


def _already_closed(store: Store, scan: t.ScanRow, shard: Shard | None) -> bool:
    if shard is None:
        return scan.status == "complete"
    assert scan.id is not None
    with store.session() as session:
        row = _shard_row(session, scan.id, shard)
        return row is not None and row.status == "complete"


def _reopen(store: Store, scan_id: int) -> None:
    with store.session() as session:
        row = session.get(t.ScanRow, scan_id)
        assert row is not None
        row.status, row.finished_at = "running", None
        session.add(row)
        session.commit()


def _shard_row(session: object, scan_id: int, shard: Shard) -> t.ScanShardRow | None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    return session.execute(
        select(t.ScanShardRow)
        .where(col(t.ScanShardRow.scan_id) == scan_id)
        .where(col(t.ScanShardRow.shard_index) == shard.index)
        .where(col(t.ScanShardRow.shard_count) == shard.count)
    ).scalar_one_or_none()


def _shard_started(store: Store, scan_id: int, shard: Shard) -> None:
    for _ in range(3):
        with store.session() as session:
            if _shard_row(session, scan_id, shard) is not None:
                return  # a re-run: the row is updated when it ends, if anything changed
            row = t.ScanShardRow(
                scan_id=scan_id,
                shard_index=shard.index,
                shard_count=shard.count,
                started_at=now(),
            )
            session.add(row)
            try:
                session.commit()
                return
            except IntegrityError:  # the same shard started twice at once: take the other row
                session.rollback()


def _shard_finished(store: Store, outcome: EstateOutcome, status: str) -> None:
    assert outcome.shard is not None
    with store.session() as session:
        row = _shard_row(session, outcome.scan_id, outcome.shard)
        summary = json.dumps(
            {"failed": outcome.failed, "deferred": outcome.deferred}, sort_keys=True
        )
        if row is None or (row.status, row.summary_json) == (status, summary):
            return
        row.status = status
        row.finished_at = now()
        row.summary_json = summary
        session.add(row)
        session.commit()


@dataclass(frozen=True)
class Finalized:
    scan_id: int
    status: str  # complete | incomplete | open (not all shards are in)
    shards: int
    missing: tuple[int, ...] = ()  # shard indexes not finished
    note: str = ""


def finalize(
    store: Store, *, run_key: str | None = None, scan_id: int | None = None, force: bool = False
) -> Finalized:
    """Close a sharded run when every shard has finished; ``force`` closes it regardless."""
    with store.session() as session:
        if run_key is not None:
            scan = session.execute(
                select(t.ScanRow).where(col(t.ScanRow.run_key) == run_key)
            ).scalar_one_or_none()
        else:
            scan = session.get(t.ScanRow, scan_id) if scan_id is not None else None
        if scan is None or scan.id is None:
            raise InputError(f"no scan for run {run_key!r}" if run_key else f"no scan {scan_id}")
        rows = list(
            session.execute(
                select(t.ScanShardRow).where(col(t.ScanShardRow.scan_id) == scan.id)
            ).scalars()
        )
        sid, status_before = scan.id, scan.status
    counts = {r.shard_count for r in rows}
    if len(counts) > 1:
        raise InputError(
            f"scan {sid} has shards of different splits ({sorted(counts)}): cannot tell when "
            "it is complete"
        )
    n = counts.pop() if counts else 0
    finished = {r.shard_index: r for r in rows if r.status in ("complete", "incomplete")}
    missing = tuple(i for i in range(1, n + 1) if i not in finished)
    if status_before in ("complete", "incomplete") and not missing:
        return Finalized(sid, status_before, n)
    if (missing or n == 0) and not force:
        return Finalized(sid, "open", n, missing)
    problems: list[str] = []
    for row in sorted(finished.values(), key=lambda r: r.shard_index):
        summary = json.loads(row.summary_json or "{}")
        problems += [f"{k}: {v}" for k, v in sorted(summary.get("failed", {}).items())]
        problems += [f"{k}: deferred: {v}" for k, v in sorted(summary.get("deferred", {}).items())]
    if missing:
        problems.insert(0, "closed without shard(s) " + ", ".join(f"{i}/{n}" for i in missing))
    complete = not problems and all(r.status == "complete" for r in finished.values())
    status = "complete" if complete else "incomplete"
    store.finish_scan(sid, status, note="; ".join(problems)[:MAX_NOTE_CHARS])
    record_retirements(store)
    return Finalized(sid, status, n, missing, "; ".join(problems))
