"""The scan: targets → collectors → probes → evidence → rules → assessments, recorded per service.

Each service's result is written in one transaction, so a crash leaves either a complete record
for a service or none. A scan interrupted by Ctrl-C is marked ``incomplete``.
"""

from __future__ import annotations

import contextvars
import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.azure.collector import targets_for as azure_targets
from scanner.azure.settings import AZURE_SOURCE_KINDS
from scanner.collect import CollectError, Collector, Deferred
from scanner.config import Config
from scanner.effective import record_retirements
from scanner.errors import CatalogError, InputError
from scanner.evaluate import assess_all
from scanner.models import Evidence, FactSpec, Locator, Observation, Service, Target
from scanner.plugins import Registry
from scanner.probe import Probe
from scanner.remote.context import RemoteSettings, scan_context
from scanner.remote.context import current as remote_context
from scanner.remote.targets import remote_targets
from scanner.rules import Framework, default_rules_dir, load_framework
from scanner.store import PriorTarget, ProbeRun, ServiceResult, Store, TargetRun, digest

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 120.0
MAX_ERROR_CHARS = 2000


@dataclass
class ScanOutcome:
    scan_id: int
    status: str
    results: list[ServiceResult] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # service → why it was not recorded


def load_rules(registry: Registry, config: Config | None = None) -> Framework:
    paths = [default_rules_dir(), *registry.rule_paths]
    if config is not None:
        paths += config.rule_paths()
    return load_framework(paths, registry.facts)


# --- catalog → services to scan ----------------------------------------------------------------


def services_for_paths(
    paths: Sequence[str], service_name: str | None, catalog: dict[str, Service]
) -> list[Service]:
    """Turn ``scan PATH... [--service NAME]`` into the services to scan.

    With ``--service``, all paths are that service's repositories (a catalog entry keeps its
    tier and owner). Without it, each path is the catalog service that lists it, or a new
    service named after the folder.
    """
    resolved = [_checked_path(p) for p in paths]
    if service_name:
        base = catalog.get(service_name, Service(name=service_name))
        repos = tuple(resolved) or base.repositories
        if not repos and base.azure is None and not (base.github or base.azure_devops):
            raise CatalogError(f"service {service_name!r} has no repositories to scan; give a PATH")
        return [_with_repositories(base, repos)]
    if not resolved:
        raise InputError("nothing to scan: give a PATH, or --service NAME from the catalog")
    by_repo = {repo: svc for svc in catalog.values() for repo in svc.repositories}
    services: dict[str, Service] = {}
    for path in resolved:
        svc = by_repo.get(path)
        if svc is None:
            name = _service_name_for(Path(path))
            svc = _with_repositories(catalog.get(name, Service(name=name)), (path,))
        else:
            svc = _with_repositories(svc, (path,))
        if svc.name in services:
            merged = services[svc.name].repositories + svc.repositories
            svc = _with_repositories(svc, tuple(dict.fromkeys(merged)))
        services[svc.name] = svc
    return list(services.values())


def _checked_path(raw: str) -> str:
    path = Path(raw).expanduser()
    if not path.exists():
        raise InputError(f"{raw}: no such file or directory")
    if not path.is_dir():
        raise InputError(f"{raw}: is a file; give the folder of a repository checkout")
    return str(path.resolve())


def _service_name_for(path: Path) -> str:
    """The repository's name from its ``origin`` remote, else the folder's name.

    A folder inside a checkout (a monorepo's service) is named after the folder, not the repo.
    """
    name = path.name
    if _git(path, "rev-parse", "--show-toplevel") == str(path):
        remote = _git(path, "config", "--get", "remote.origin.url")
        if remote:
            name = remote.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git")
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in name).strip("-.")
    return name or "service"


def _git(path: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(path), *args], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _with_repositories(service: Service, repositories: tuple[str, ...]) -> Service:
    return replace(service, repositories=repositories)


# Catalog source kinds that name a remote repository: targeted through remote_targets below.
REMOTE_SOURCE_KINDS = frozenset({"github", "azure_devops"})


def targets_for(service: Service) -> list[Target]:
    targets = [Target(kind="repository", location=repo) for repo in service.repositories]
    # Other catalog sources: a Target of that kind; observe_service keeps those that an
    # installed collector or probe handles. Azure sources are the service's Azure scope
    # (Service.azure) and remote repositories its github / azure_devops lists.
    targets += [
        Target(kind=kind, location=value)
        for kind, value in service.sources
        if kind not in AZURE_SOURCE_KINDS | REMOTE_SOURCE_KINDS
    ]
    remote = replace(
        service,
        github=_unique(service.github, service.sources, "github"),
        azure_devops=_unique(service.azure_devops, service.sources, "azure_devops"),
    )
    return targets + remote_targets(remote) + azure_targets(service)


def _unique(
    listed: tuple[str, ...], sources: tuple[tuple[str, str], ...], kind: str
) -> tuple[str, ...]:
    return tuple(dict.fromkeys(listed + tuple(v for k, v in sources if k == kind)))


# --- the scan -------------------------------------------------------------------------------


def scan(
    services: Sequence[Service],
    *,
    store: Store,
    registry: Registry,
    framework: Framework,
    today: date | None = None,
    probe_timeout: float = PROBE_TIMEOUT_SECONDS,
    on_service: Callable[[Service], None] | None = None,
    remote: RemoteSettings | None = None,
) -> ScanOutcome:
    """Scan services and record each one's result. Returns the outcome read back from the store.

    ``remote`` says where GitHub / Azure DevOps are and how to authenticate; their HTTP
    validators are kept in ``store`` and the API calls spent are recorded with the scan.
    """
    with scan_context(store, remote):
        return _scan(services, store, registry, framework, today, probe_timeout, on_service)


def _scan(
    services: Sequence[Service],
    store: Store,
    registry: Registry,
    framework: Framework,
    today: date | None,
    probe_timeout: float,
    on_service: Callable[[Service], None] | None,
) -> ScanOutcome:
    today = today or date.today()
    scan_id = store.start_scan(framework.digest, __version__)
    outcome = ScanOutcome(scan_id=scan_id, status="running")
    try:
        for service in services:
            if on_service:
                on_service(service)
            evidence, runs = observe_service(
                service, registry, prior=store.prior_target, probe_timeout=probe_timeout
            )
            try:
                record_service(
                    store,
                    service,
                    evidence,
                    runs,
                    scan_id=scan_id,
                    framework=framework,
                    today=today,
                )
            except InputError:
                raise
            except Exception as exc:  # one service's failure to record must not lose the others
                log.error("service %s: result not recorded: %s", service.name, exc)
                outcome.failed[service.name] = str(exc)
    except BaseException:
        store.record_api_usage(scan_id, remote_context().usage.totals())
        store.finish_scan(scan_id, "incomplete", note="interrupted")
        raise
    outcome.status = "incomplete" if outcome.failed else "complete"
    store.record_api_usage(scan_id, remote_context().usage.totals())
    store.finish_scan(
        scan_id,
        outcome.status,
        note="; ".join(f"{k}: {v}" for k, v in outcome.failed.items())[:MAX_ERROR_CHARS],
    )
    record_retirements(store)  # overrides the new evidence has caught up with retire themselves
    outcome.results = store.results_for_scan(scan_id)
    return outcome


def record_service(
    store: Store,
    service: Service,
    evidence: Sequence[Evidence],
    runs: Sequence[TargetRun],
    *,
    scan_id: int,
    framework: Framework,
    today: date,
    api_calls: dict[str, tuple[int, int]] | None = None,
) -> int:
    """Store a service's evidence, judge it and record the result: one transaction, all or
    nothing. Returns the service_scan id."""
    with store.transaction() as tx:
        stored = tx.add_evidence(evidence)
        assessments = assess_all(
            framework,
            {e.key: e for e in stored},
            tier=service.tier,
            assessable=frozenset(e.key for e in stored),
            today=today,
        )
        return tx.add_service_scan(
            scan_id=scan_id,
            service=service,
            evidence=stored,
            assessments=assessments,
            target_runs=runs,
            rules_digest=framework.digest,
            api_calls=api_calls,
        )


def observe_service(
    service: Service,
    registry: Registry,
    *,
    prior: Callable[[str], PriorTarget | None] = lambda target: None,
    probe_timeout: float = PROBE_TIMEOUT_SECONDS,
) -> tuple[list[Evidence], list[TargetRun]]:
    """Collect each target once (or reuse it if unchanged), run its probes, merge the facts.

    ``prior`` looks up what the last scan found for a target (``Store.prior_target``).
    """
    kinds = set(registry.collectors) | {p.target_kind for p in registry.probes}
    runs = [
        _observe_target(target, registry, prior, probe_timeout)
        for target in targets_for(service)
        if target.kind in kinds
    ]
    return merge_evidence([run.evidence for run in runs], registry.facts), runs


def _observe_target(
    target: Target,
    registry: Registry,
    prior: Callable[[str], PriorTarget | None],
    probe_timeout: float,
) -> TargetRun:
    probes = [p for p in registry.probes if p.target_kind == target.kind]
    probes_digest = digest(sorted((p.id, p.version) for p in probes))
    collector = registry.collectors.get(target.kind)
    started = time.perf_counter()
    version = _fingerprint(collector, target)
    if version is not None:
        last = prior(str(target))
        if last is not None and last.version == version and last.probes_digest == probes_digest:
            return TargetRun(
                str(target),
                "unchanged",
                _ms(started),
                version=version,
                probes_digest=probes_digest,
                evidence=last.evidence,
            )
    try:
        if collector is None:
            raise CollectError(f"no collector for target kind {target.kind!r}")
        snapshot = collector.collect(target)
    except CollectError as exc:
        reason = f"cannot read {target}: {exc}"
        skipped = tuple(ProbeRun(p.id, p.version, "skipped", 0, reason) for p in probes)
        unread = tuple(e for p in probes for e in _all_unknown(p, reason))
        return TargetRun(str(target), "error", _ms(started), reason, skipped, evidence=unread)
    collected_ms = _ms(started)
    problems = getattr(snapshot, "problems", ())
    evidence: list[Evidence] = []
    probe_runs: list[ProbeRun] = []
    for probe in probes:
        probe_evidence, run = _run_probe(probe, snapshot, target, probe_timeout)
        evidence += probe_evidence
        probe_runs.append(run)
    return TargetRun(
        str(target),
        "ok",
        collected_ms,
        _clip("\n".join(_problem_line(p) for p in problems)) if problems else None,
        tuple(probe_runs),
        version=version or getattr(snapshot, "version", None),
        probes_digest=probes_digest,
        evidence=tuple(evidence),
    )


def _fingerprint(collector: Collector | None, target: Target) -> str | None:
    if collector is None or collector.fingerprint is None:
        return None
    try:
        return collector.fingerprint(target)
    except Deferred:
        raise
    except Exception as exc:  # cannot tell: read the target again
        log.info("fingerprint of %s failed, reading it again: %s", target, exc)
        return None


def _run_probe(
    probe: Probe, snapshot: Any, target: Target, timeout: float
) -> tuple[list[Evidence], ProbeRun]:
    started = time.perf_counter()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["observations"] = list(probe.observe(snapshot))
        except BaseException as exc:  # handed to the scanning thread below
            outcome["error"] = exc

    # A daemon thread, so a hung probe can neither block the scan nor keep the process alive.
    # It runs in a copy of this thread's context, so the API calls it makes (a platform
    # snapshot asks lazily) are counted for this service (scanner.meter).
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(work,), name=f"probe-{probe.id}", daemon=True
    )
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        reason = f"probe {probe.id} timed out after {timeout:g}s on {target}"
        return _all_unknown(probe, reason), ProbeRun(
            probe.id, probe.version, "timeout", _ms(started), reason
        )
    error = outcome.get("error")
    if isinstance(error, KeyboardInterrupt | SystemExit):
        raise error
    if error is not None:  # a probe's bug must not abort the scan
        reason = f"probe {probe.id} failed on {target}: {type(error).__name__}: {error}"
        log.warning("%s", reason)
        return _all_unknown(probe, reason), ProbeRun(
            probe.id, probe.version, "error", _ms(started), _clip(reason)
        )
    observations: list[Observation] = outcome["observations"]
    evidence, problems = _evidence_from(probe, observations)
    status = "ok" if not problems else "error"
    return evidence, ProbeRun(
        probe.id,
        probe.version,
        status,
        _ms(started),
        _clip("; ".join(problems)) if problems else None,
    )


def _evidence_from(
    probe: Probe, observations: list[Observation]
) -> tuple[list[Evidence], list[str]]:
    """Check a probe's report against what it declared; undeclared or mistyped facts are refused."""
    declared = {spec.key: spec for spec in probe.facts}
    problems: list[str] = []
    seen: dict[str, Evidence] = {}
    for obs in observations:
        spec = declared.get(obs.key)
        if spec is None:
            problems.append(f"reported undeclared fact {obs.key!r}")
            continue
        value, reason = obs.value, obs.reason
        if value is not None and not _has_type(value, spec):
            problems.append(f"fact {obs.key} has a {type(value).__name__}, declared {spec.type}")
            value, reason = None, f"probe {probe.id} reported a value of the wrong type"
        if value is None and not reason:
            reason = f"probe {probe.id} could not establish it"
        seen[obs.key] = Evidence(
            key=obs.key,
            value=value,
            probe=probe.id,
            probe_version=probe.version,
            locators=tuple(obs.locators),
            reason=reason if value is None else None,
        )
    for key in declared:
        if key not in seen:
            problems.append(f"did not report {key}")
            seen[key] = Evidence(
                key=key,
                value=None,
                probe=probe.id,
                probe_version=probe.version,
                reason=f"probe {probe.id} did not report it",
            )
    return list(seen.values()), problems


def _has_type(value: Any, spec: FactSpec) -> bool:
    if spec.type == "bool":
        return isinstance(value, bool)
    if spec.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if spec.type == "str":
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _all_unknown(probe: Probe, reason: str) -> list[Evidence]:
    return [
        Evidence(key=s.key, value=None, probe=probe.id, probe_version=probe.version, reason=reason)
        for s in probe.facts
    ]


def merge_evidence(
    per_target: Sequence[Sequence[Evidence]], facts: dict[str, FactSpec]
) -> list[Evidence]:
    """One fact per key for the service: true if any repository qualifies, lists united.

    A fact is unknown only when no target establishes it and at least one could not be read.
    """
    if len(per_target) == 1:
        return sorted(per_target[0], key=lambda e: e.key)
    grouped: dict[str, list[Evidence]] = {}
    for evidence in per_target:
        for e in evidence:
            grouped.setdefault(e.key, []).append(e)
    merged = []
    for key, items in sorted(grouped.items()):
        known = [e for e in items if e.value is not None]
        unknown = [e for e in items if e.value is None]
        spec = facts.get(key)
        first = items[0]
        if spec is not None and spec.type == "bool" and any(e.value is True for e in known):
            hits = [e for e in known if e.value is True]
            merged.append(_combine(first, True, hits))
        elif unknown:
            reasons = "; ".join(sorted({e.reason or "" for e in unknown}))
            merged.append(Evidence(key, None, first.probe, first.probe_version, (), reasons))
        elif spec is not None and spec.type == "list[str]":
            union = sorted({v for e in known for v in e.value})
            merged.append(_combine(first, union, known))
        else:
            merged.append(_combine(first, known[0].value, known))
    return merged


def _combine(first: Evidence, value: Any, sources: list[Evidence]) -> Evidence:
    locators: tuple[Locator, ...] = tuple(loc for e in sources for loc in e.locators)
    return Evidence(first.key, value, first.probe, first.probe_version, locators)


def rescore(store: Store, framework: Framework, *, today: date | None = None) -> int:
    """Re-evaluate every service's latest result with the current rules. No re-scan."""
    today = today or date.today()
    count = 0
    for result in store.latest_results():
        assessments = assess_all(
            framework,
            result.evidence,
            tier=result.service.tier,
            assessable=frozenset(result.evidence),
            today=today,
        )
        store.replace_assessments(result.service_scan_id, assessments, framework.digest)
        count += 1
    record_retirements(store)
    return count


def _problem_line(problem: Any) -> str:
    if isinstance(problem, tuple) and len(problem) == 3:
        path, line, message = problem
        return f"{path}:{line}: {message}" if line else f"{path}: {message}"
    return str(problem)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
