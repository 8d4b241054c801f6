"""The scan pipeline with stand-in plugins: failures become unknown, never a lost scan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pluggy
import pytest
from sqlalchemy import func, select

from scanner import hookspecs
from scanner import tables as t
from scanner.collect import CollectError, Collector
from scanner.engine import rescore, scan
from scanner.hookspecs import hookimpl
from scanner.models import FactSpec, Level, Observation, Service, Target
from scanner.plugins import build_registry
from scanner.probe import Probe
from scanner.rules import load_framework

RULES = """\
pillar: ops
name: Operability
description: Test pillar.
categories:
  - id: docs
    name: Docs
    rationale: Docs help.
    guidance: https://fundamentals.example/guidance/docs
    definitions: {red: none, amber: some, green: all}
    remediation: {amber: write a readme, green: write a runbook}
    criteria:
      amber:
        - {id: readme, description: README exists, expr: docs.readme}
      green:
        - {id: runbook, description: runbook exists, expr: docs.runbook}
  - id: kinds
    name: Kinds
    rationale: Kinds matter.
    guidance: https://fundamentals.example/guidance/kinds
    definitions: {red: none, amber: one, green: bicep}
    remediation: {amber: add iac, green: use bicep}
    criteria:
      amber:
        - {id: any, description: some IaC, expr: size(infra.kinds) > 0}
      green:
        - {id: bicep, description: bicep, expr: '"bicep" in infra.kinds'}
"""


class Snapshot:
    """What the stand-in collector reads: a dict per folder, from a file named facts.py."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.values = eval(Path(root, "facts.py").read_text())  # test data we wrote ourselves
        self.problems = [("broken.yml", 3, "malformed YAML")]


def collect(target: Target) -> Snapshot:
    if not Path(target.location, "facts.py").exists():
        raise CollectError("no facts.py here")
    return Snapshot(target.location)


def _observe_docs(snapshot: Snapshot):
    behaviour = snapshot.values.get("docs")
    if behaviour == "raise":
        raise RuntimeError("probe bug")
    if behaviour == "interrupt":
        raise KeyboardInterrupt
    if behaviour == "sleep":
        time.sleep(1.0)
    if behaviour == "wrong-type":
        return [Observation("docs.readme", "yes"), Observation("docs.runbook", False)]
    readme, runbook = behaviour
    return [Observation("docs.readme", readme), Observation("docs.runbook", runbook)]


def _observe_infra(snapshot: Snapshot):
    return [Observation("infra.kinds", snapshot.values["kinds"])]


DOCS = Probe(
    id="docs",
    version="1.0",
    target_kind="repository",
    facts=(FactSpec("docs.readme", "bool", "README"), FactSpec("docs.runbook", "bool", "runbook")),
    observe=_observe_docs,
)
INFRA = Probe(
    id="infra",
    version="2.0",
    target_kind="repository",
    facts=(FactSpec("infra.kinds", "list[str]", "IaC kinds"),),
    observe=_observe_infra,
)


collected: list[str] = []


def fingerprint(target: Target) -> str | None:
    """Stand-in for a conditional request: the content of a VERSION file, if any."""
    path = Path(target.location, "VERSION")
    return path.read_text() if path.exists() else None


def counting_collect(target: Target) -> Snapshot:
    collected.append(target.location)
    return collect(target)


class Plugin:
    probes = (DOCS, INFRA)

    @hookimpl
    def fundamentals_probes(self):
        return list(self.probes)

    @hookimpl
    def fundamentals_collectors(self):
        return [Collector(kind="repository", collect=counting_collect, fingerprint=fingerprint)]


@pytest.fixture
def registry():
    pm = pluggy.PluginManager("fundamentals")
    pm.add_hookspecs(hookspecs)
    pm.register(Plugin(), name="stand-in")
    return build_registry(pm)


@pytest.fixture
def framework(tmp_path, registry):
    path = tmp_path / "rules" / "ops.yaml"
    path.parent.mkdir()
    path.write_text(RULES)
    return load_framework([path], registry.facts)


def repo(tmp_path: Path, name: str, values: dict) -> str:
    path = tmp_path / name
    path.mkdir()
    (path / "facts.py").write_text(repr(values))
    return str(path)


def service(name: str, *repos: str) -> Service:
    return Service(name=name, repositories=repos)


def _probe_runs(store, result):
    return [p for run in store.target_runs(result.service_scan_id) for p in run.probes]


def levels(result) -> dict[str, Level]:
    return {a.category: a.level for a in result.assessments}


def test_scan_records_facts_and_levels(tmp_path, store, registry, framework):
    r = repo(tmp_path, "svc", {"docs": (True, False), "kinds": ["terraform"]})
    outcome = scan([service("svc", r)], store=store, registry=registry, framework=framework)
    assert outcome.status == "complete"
    [result] = outcome.results
    assert levels(result) == {"docs": Level.AMBER, "kinds": Level.AMBER}
    assert result.evidence["infra.kinds"].value == ["terraform"]
    [run] = store.target_runs(result.service_scan_id)
    assert run.target == f"repository:{r}" and run.status == "ok"
    assert run.problems == "broken.yml:3: malformed YAML"  # collector problems are recorded
    assert [(p.probe, p.status) for p in run.probes] == [("docs", "ok"), ("infra", "ok")]


def test_failing_probe_makes_its_facts_unknown_not_red(tmp_path, store, registry, framework):
    r = repo(tmp_path, "svc", {"docs": "raise", "kinds": ["bicep"]})
    [result] = scan(
        [service("svc", r)], store=store, registry=registry, framework=framework
    ).results
    assert levels(result) == {"docs": Level.UNKNOWN, "kinds": Level.GREEN}
    assert "probe bug" in result.evidence["docs.readme"].reason
    run = next(p for p in _probe_runs(store, result) if p.probe == "docs")
    assert run.status == "error" and "RuntimeError: probe bug" in run.error


def test_wrong_type_from_a_probe_is_refused(tmp_path, store, registry, framework):
    r = repo(tmp_path, "svc", {"docs": "wrong-type", "kinds": []})
    [result] = scan(
        [service("svc", r)], store=store, registry=registry, framework=framework
    ).results
    assert result.evidence["docs.readme"].value is None
    assert "wrong type" in result.evidence["docs.readme"].reason
    assert levels(result)["kinds"] is Level.RED


def test_probe_timeout_is_recorded(tmp_path, store, registry, framework):
    r = repo(tmp_path, "svc", {"docs": "sleep", "kinds": ["bicep"]})
    [result] = scan(
        [service("svc", r)], store=store, registry=registry, framework=framework, probe_timeout=0.1
    ).results
    run = next(p for p in _probe_runs(store, result) if p.probe == "docs")
    assert run.status == "timeout"
    assert levels(result)["docs"] is Level.UNKNOWN


def test_unreadable_target_is_unknown_with_reason(tmp_path, store, registry, framework):
    empty = tmp_path / "empty"
    empty.mkdir()
    [result] = scan(
        [service("svc", str(empty))], store=store, registry=registry, framework=framework
    ).results
    assert set(levels(result).values()) == {Level.UNKNOWN}
    assert "no facts.py here" in result.evidence["infra.kinds"].reason
    [run] = store.target_runs(result.service_scan_id)
    assert run.status == "error" and "no facts.py here" in run.problems
    assert {p.probe: p.status for p in run.probes} == {"docs": "skipped", "infra": "skipped"}


def test_facts_merge_across_a_services_repositories(tmp_path, store, registry, framework):
    a = repo(tmp_path, "a", {"docs": (False, False), "kinds": ["terraform"]})
    b = repo(tmp_path, "b", {"docs": (True, True), "kinds": ["bicep"]})
    [result] = scan(
        [service("svc", a, b)], store=store, registry=registry, framework=framework
    ).results
    assert result.evidence["docs.readme"].value is True
    assert result.evidence["infra.kinds"].value == ["bicep", "terraform"]
    assert levels(result) == {"docs": Level.GREEN, "kinds": Level.GREEN}


def test_interrupted_scan_is_incomplete_and_keeps_finished_services(
    tmp_path, store, registry, framework
):
    first = repo(tmp_path, "first", {"docs": (True, True), "kinds": []})
    second = repo(tmp_path, "second", {"docs": "interrupt", "kinds": []})
    with pytest.raises(KeyboardInterrupt):
        scan(
            [service("first", first), service("second", second)],
            store=store,
            registry=registry,
            framework=framework,
        )
    scan_row = store.latest_scan()
    assert scan_row.status == "incomplete"
    assert [r.service.name for r in store.latest_results()] == ["first"]


def test_rescore_uses_stored_evidence_without_rescanning(tmp_path, store, registry, framework):
    r = repo(tmp_path, "svc", {"docs": (True, False), "kinds": ["terraform"]})
    scan([service("svc", r)], store=store, registry=registry, framework=framework)
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(RULES.replace("expr: docs.readme", "expr: docs.readme && docs.runbook"))
    new_rules = load_framework([stricter], registry.facts)
    Path(r, "facts.py").unlink()  # the repository is gone: rescore must not read it

    assert rescore(store, new_rules) == 1
    [result] = store.latest_results()
    assert levels(result)["docs"] is Level.RED
    assert result.rules_digest == new_rules.digest
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(t.ScanRow)).scalar_one() == 1


SIGINT_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    import pluggy
    from scanner import hookspecs
    from scanner.plugins import build_registry
    from scanner.rules import load_framework
    from scanner.store import Store
    from scanner.engine import scan
    import test_engine as te

    def slow(snapshot):
        print("probing", flush=True)
        time.sleep(30)
        return []

    te.Plugin.probes = (te.DOCS, te.Probe(id="infra", version="2.0", target_kind="repository",
                                          facts=te.INFRA.facts, observe=slow))
    pm = pluggy.PluginManager("fundamentals")
    pm.add_hookspecs(hookspecs)
    pm.register(te.Plugin(), name="stand-in")
    registry = build_registry(pm)
    framework = load_framework([Path({rules!r})], registry.facts)
    services = [te.service(n, {repo!r}) for n in ("one", "two")]
    scan(services, store=Store({db!r}), registry=registry, framework=framework)
    """
)


def test_ctrl_c_mid_scan_leaves_an_incomplete_scan_and_no_half_result(tmp_path, sqlite_url):
    r = repo(tmp_path, "svc", {"docs": (True, True), "kinds": ["bicep"]})
    rules = tmp_path / "ops.yaml"
    rules.write_text(RULES)
    script = SIGINT_SCRIPT.format(
        tests=str(Path(__file__).parent), rules=str(rules), repo=r, db=sqlite_url
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    assert proc.stdout.readline().strip() == "probing"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err

    from scanner.store import Store

    store = Store(sqlite_url)
    assert store.latest_scan().status == "incomplete"
    assert store.latest_results() == []
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(t.EvidenceRow)).scalar_one() == 0


def test_unchanged_target_reuses_its_evidence_without_collecting(
    tmp_path, store, registry, framework
):
    r = repo(tmp_path, "svc", {"docs": (True, False), "kinds": ["terraform"]})
    Path(r, "VERSION").write_text("sha-1")
    collected.clear()
    first = scan([service("svc", r)], store=store, registry=registry, framework=framework)
    # The checkout changes on disk, but its version does not: nothing is read again.
    Path(r, "facts.py").write_text(repr({"docs": (False, False), "kinds": []}))
    second = scan([service("svc", r)], store=store, registry=registry, framework=framework)
    assert collected == [r]
    [run] = store.target_runs(second.results[0].service_scan_id)
    assert (run.status, run.version, run.probes) == ("unchanged", "sha-1", ())
    assert second.results[0].evidence == first.results[0].evidence
    assert levels(second.results[0]) == levels(first.results[0])

    Path(r, "VERSION").write_text("sha-2")  # a new commit: read again
    third = scan([service("svc", r)], store=store, registry=registry, framework=framework)
    assert collected == [r, r]
    assert levels(third.results[0])["docs"] is Level.RED


def test_a_new_probe_version_reads_an_unchanged_target_again(tmp_path, store, framework):
    r = repo(tmp_path, "svc", {"docs": (True, True), "kinds": ["bicep"]})
    Path(r, "VERSION").write_text("sha-1")
    collected.clear()
    for docs_version in ("1.0", "1.0", "1.1"):
        plugin = Plugin()
        plugin.probes = (replace(DOCS, version=docs_version), INFRA)
        pm = pluggy.PluginManager("fundamentals")
        pm.add_hookspecs(hookspecs)
        pm.register(plugin, name="stand-in")
        scan([service("svc", r)], store=store, registry=build_registry(pm), framework=framework)
    assert collected == [r, r]
