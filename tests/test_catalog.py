"""The catalog: Backstage catalog-info.yaml files and the config file, stored, retired."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.catalog import read_catalog, stored_catalog, sync_catalog
from scanner.cli import cli
from scanner.errors import InputError
from scanner.models import Service, Tier

PAYMENTS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  description: Takes the money.
  annotations:
    github.com/project-slug: contoso/payments-api
    dev.azure.com/project-repo: Payments/payments-api
    dev.azure.com/host-org: dev.azure.com/contoso
    fundamentals.io/tier: mission-critical
    fundamentals.io/golden-thread: "true"
    fundamentals.io/domain: payments
    fundamentals.io/platform: aks
    fundamentals.io/repository-path: ., ../shared
    fundamentals.io/azure-subscription: 00000000-0000-0000-0000-000000000001
    fundamentals.io/azure-resource-groups: rg-pay-prod, rg-pay-dr
    fundamentals.io/azure-tag-selector: service=payments
    fundamentals.io/azure-log-analytics-workspace: /subscriptions/1/resourceGroups/m/w
spec:
  type: service
  lifecycle: production
  owner: group:default/team-payments
  system: checkout
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: checkout
spec:
  owner: team-payments
"""

MIXED = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-api
spec:
  owner: team-orders
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: bad name!
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    fundamentals.io/tier: platinum
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: typo
  annotations:
    fundamentals.io/teir: mission-critical
---
kind: Component
metadata:
  name: search
spec:
  owner: [not, text]
"""


def write(folder: Path, relpath: str, text: str) -> Path:
    path = folder / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_component_becomes_a_service_with_its_annotations(tmp_path):
    path = write(tmp_path, "payments/catalog-info.yaml", PAYMENTS)
    read = read_catalog([str(path)])
    assert read.problems == [] and read.ignored == 1
    [entry] = read.entries
    svc = entry.service
    assert (svc.name, svc.owner, svc.system, svc.lifecycle) == (
        "payments-api",
        "team-payments",
        "checkout",
        "production",
    )
    assert (svc.tier, svc.golden_thread, svc.domain, svc.platform) == (
        Tier.MISSION_CRITICAL,
        True,
        "payments",
        "aks",
    )
    assert svc.repositories == (str(tmp_path / "payments"), str(tmp_path / "shared"))
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
    assert svc.sources == (
        ("github", "contoso/payments-api"),
        ("azure_devops", "dev.azure.com/contoso/Payments/payments-api"),
        ("azure", f"{sub}/resourceGroups/rg-pay-prod"),
        ("azure", f"{sub}/resourceGroups/rg-pay-dr"),
        ("azure_tag", "service=payments"),
        ("log_analytics", "/subscriptions/1/resourceGroups/m/w"),
    )
    assert entry.origin == f"backstage:{path}:1"


def test_invalid_entries_are_reported_with_file_and_line_and_valid_ones_still_load(tmp_path):
    path = write(tmp_path, "catalog-info.yaml", MIXED)
    read = read_catalog([str(path)])
    assert [e.service.name for e in read.entries] == ["orders-api"]
    problems = [str(p) for p in read.problems]
    assert (
        problems[0]
        == f"{path}:11: metadata.name must be letters, digits, '.', '_' and '-' (max 128)"
    )
    assert problems[1].startswith(f"{path}:18: ledger: tier 'platinum' is not one of")
    assert problems[2].startswith(f"{path}:25: typo: unknown annotation 'fundamentals.io/teir'")
    assert problems[3] == f"{path}:31: search: spec.owner must be text"


def test_a_malformed_or_hostile_file_is_one_problem_and_the_others_load(tmp_path):
    write(tmp_path, "a/catalog-info.yaml", "kind: Component\nmetadata: {name: a}\n")
    write(tmp_path, "b/catalog-info.yaml", "kind: Component\nmetadata:\n  name: [b\n")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    write(tmp_path, "c/catalog-info.yaml", bomb)
    read = read_catalog([str(tmp_path)])  # a folder: every catalog-info.yaml below it
    assert [e.service.name for e in read.entries] == ["a"]
    assert len(read.problems) == 2 and len(read.unreadable) == 2
    assert "malformed YAML" in str(read.problems[0])
    assert "refused" in str(read.problems[1])


def test_duplicate_names_across_files_keep_the_first(tmp_path):
    first = write(tmp_path, "x/catalog-info.yaml", "kind: Component\nmetadata: {name: same}\n")
    write(tmp_path, "y/catalog-info.yaml", "kind: Component\nmetadata: {name: same}\n")
    read = read_catalog([str(tmp_path / "*" / "catalog-info.yaml")])
    assert len(read.entries) == 1
    assert f"duplicate service 'same' (first at {first}:1)" in str(read.problems[0])


def test_a_pattern_matching_nothing_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no catalog file found"):
        read_catalog([str(tmp_path / "*.yaml")])


def test_a_service_gone_from_the_catalog_is_retired_not_deleted(tmp_path, store):
    a = write(tmp_path, "a/catalog-info.yaml", "kind: Component\nmetadata: {name: a}\n")
    b = write(tmp_path, "b/catalog-info.yaml", "kind: Component\nmetadata: {name: b}\n")
    first = sync_catalog(store, read_catalog([str(tmp_path)]).entries, "backstage")
    assert first.added == ["a", "b"]
    b.unlink()
    second = sync_catalog(store, read_catalog([str(tmp_path)]).entries, "backstage")
    assert (second.unchanged, second.retired) == (["a"], ["b"])
    assert [c.service.name for c in stored_catalog(store)] == ["a"]
    retired = stored_catalog(store, include_retired=True)
    assert [(c.service.name, c.retired_at is not None) for c in retired] == [
        ("a", False),
        ("b", True),
    ]
    # A broken file does not retire what it declares; an invalid entry keeps its stored service.
    a.write_text("kind: Component\nmetadata: {name: a\n")
    read = read_catalog([str(tmp_path)])
    assert (
        sync_catalog(
            store, read.entries, "backstage", keep=read.kept_names, keep_files=read.unreadable
        ).retired
        == []
    )
    a.write_text(
        "kind: Component\nmetadata:\n  name: a\n  annotations: {fundamentals.io/tier: x}\n"
    )
    read = read_catalog([str(tmp_path)])
    assert read.kept_names == {"a"}
    assert (
        sync_catalog(
            store, read.entries, "backstage", keep=read.kept_names, keep_files=read.unreadable
        ).retired
        == []
    )
    # Back in the catalog: active again.
    write(tmp_path, "b/catalog-info.yaml", "kind: Component\nmetadata: {name: b}\n")
    assert (
        "b" in sync_catalog(store, read_catalog([str(tmp_path / "b")]).entries, "backstage").updated
    )


def test_catalog_commands(tmp_path, db_url):
    write(tmp_path, "pay/catalog-info.yaml", PAYMENTS)
    write(tmp_path, "mixed/catalog-info.yaml", MIXED)
    runner = CliRunner()
    imported = runner.invoke(cli, ["catalog", "import", str(tmp_path), "--db", db_url])
    assert imported.exit_code == 0, imported.output
    assert "2 service(s) from 2 file(s): 2 added" in imported.output
    assert "4 invalid entr(y/ies) skipped" in imported.output
    assert "mixed/catalog-info.yaml:18: ledger: tier 'platinum'" in imported.output

    listed = runner.invoke(cli, ["catalog", "list", "--json", "--db", db_url])
    data = json.loads(listed.stdout)
    assert [d["name"] for d in data] == ["orders-api", "payments-api"]
    assert data[1]["sources"][0] == {"kind": "github", "value": "contoso/payments-api"}
    assert data[1]["tier"] == "mission-critical" and data[1]["golden_thread"] is True

    bad = runner.invoke(cli, ["catalog", "validate", str(tmp_path / "mixed")])
    assert bad.exit_code == 2
    assert bad.output.count("error: ") == 4
    good = runner.invoke(cli, ["catalog", "validate", str(tmp_path / "pay")])
    assert (good.exit_code, good.output.strip()) == (0, "ok: 1 service(s)")


def test_imported_services_are_scanned_by_scan_all_and_retired_ones_are_not(tmp_path, db_url):
    from tests.estate_repos import make_repo

    for i, name in enumerate(("alpha", "beta")):
        repo = make_repo(tmp_path / "repos", name, i)
        write(
            repo,
            "catalog-info.yaml",
            "kind: Component\nmetadata:\n  name: "
            + name
            + "\n  annotations:\n    fundamentals.io/repository-path: .\n",
        )
    runner = CliRunner()
    pattern = str(tmp_path / "repos" / "*" / "catalog-info.yaml")
    runner.invoke(cli, ["catalog", "import", pattern, "--db", db_url], catch_exceptions=False)
    scanned = runner.invoke(cli, ["scan", "--all", "--db", db_url, "--json"])
    assert json.loads(scanned.stdout)["selected"] == 2
    (tmp_path / "repos" / "beta" / "catalog-info.yaml").unlink()
    runner.invoke(cli, ["catalog", "import", pattern, "--db", db_url], catch_exceptions=False)
    again = runner.invoke(cli, ["scan", "--all", "--db", db_url, "--json"])
    assert json.loads(again.stdout)["selected"] == 1
    scores = json.loads(runner.invoke(cli, ["scores", "--json", "--db", db_url]).stdout)
    assert [s["service"] for s in scores] == ["alpha"]  # retired: out of the listings
    beta = runner.invoke(cli, ["history", "beta", "--db", db_url])
    assert beta.exit_code == 0  # … but its history is kept


def test_an_ad_hoc_scan_of_an_imported_service_keeps_its_catalog_entry(tmp_path, db_url):
    from tests.estate_repos import make_repo

    repo = make_repo(tmp_path, "gamma", 1)
    write(
        repo,
        "catalog-info.yaml",
        "kind: Component\nmetadata:\n  name: gamma\n  annotations:\n"
        "    fundamentals.io/tier: mission-critical\n",
    )
    runner = CliRunner()
    runner.invoke(cli, ["catalog", "import", str(repo), "--db", db_url], catch_exceptions=False)
    runner.invoke(cli, ["scan", str(repo), "--service", "gamma", "--db", db_url])
    [entry] = json.loads(runner.invoke(cli, ["catalog", "list", "--json", "--db", db_url]).stdout)
    assert entry["tier"] == "mission-critical"


def test_backstage_azure_annotations_become_the_services_azure_scope():
    """Annotations map onto the same Azure scope a config ``azure`` table gives (issue 5 + 6)."""
    from scanner.catalog import with_azure_scopes
    from scanner.config import Config
    from scanner.engine import targets_for

    imported = Service(
        name="payments-api",
        sources=(
            ("azure", "/subscriptions/sub-1/resourceGroups/rg-payments"),
            ("azure_tag", "service=payments-api"),
            (
                "app_insights",
                "/subscriptions/sub-1/resourceGroups/rg-payments/providers/"
                "microsoft.insights/components/payments-ai",
            ),
            ("github", "contoso/payments-api"),
        ),
    )
    [service] = with_azure_scopes([imported], Config())
    scope = service.azure
    assert scope.subscriptions == ("sub-1",) and scope.resource_groups == ("rg-payments",)
    assert scope.tags == (("service", "payments-api"),)
    assert scope.application_insights.endswith("/components/payments-ai")
    targets = sorted((t.kind, t.location, t.source is scope) for t in targets_for(service))
    assert [(kind, has_scope) for kind, _, has_scope in targets] == [
        ("azure", True),
        ("azure-monitor", True),
        ("platform", False),
        ("repository", False),
    ]
    # The github.com/project-slug annotation is read like a `github` entry in the config.
    assert targets[3][1] == "github:contoso/payments-api"
