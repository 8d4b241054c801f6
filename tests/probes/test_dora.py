from datetime import timedelta

from probes.dora import PROBE
from tests.fakes import azure_devops
from tests.fakes import github as fake_github
from tests.fakes.fixtures import platform_facts


def test_from_github_deployments(github, settings):
    github.add(fake_github.sample_repo("acme/a"))

    facts = platform_facts(settings, "github:acme/a", PROBE)

    assert facts["dora.method"].value == "deployments"
    assert facts["dora.deployment_frequency_per_week"].value == round(11 / (90 / 7), 2)
    assert facts["dora.lead_time_hours"].value == 20.17  # committed 20 h before, 10 min deploy
    assert facts["dora.change_failure_rate"].value == round(1 / 12, 3)
    assert facts["dora.time_to_restore_hours"].value == 168.0  # the next weekly deploy


def test_falls_back_to_deploy_runs(github, settings):
    repo = github.add(fake_github.sample_repo("acme/b"))
    repo.deployments = []

    facts = platform_facts(settings, "github:acme/b", PROBE)

    assert facts["dora.method"].value == "deploy-runs"
    assert facts["dora.deployment_frequency_per_week"].value == round(15 / (90 / 7), 2)
    assert facts["dora.change_failure_rate"].value == 0.0
    assert facts["dora.time_to_restore_hours"].value == 0.0


def test_nothing_deployed(github, settings):
    repo = github.add(fake_github.sample_repo("acme/c"))
    repo.deployments = []
    repo.runs = [r for r in repo.runs if r["name"] != "deploy"]

    facts = platform_facts(settings, "github:acme/c", PROBE)

    assert facts["dora.method"].value == "none"
    assert facts["dora.deployment_frequency_per_week"].value == 0.0
    assert facts["dora.lead_time_hours"].value is None


def test_old_deployments_are_outside_the_window(github, settings):
    repo = github.add(fake_github.sample_repo("acme/d"))
    for node in repo.deployments:
        node["createdAt"] = fake_github.iso(fake_github.NOW - timedelta(days=200))

    facts = platform_facts(settings, "github:acme/d", PROBE)

    assert facts["dora.method"].value in ("deploy-runs", "none")


def test_from_azure_devops_deployment_records(azure, settings):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))

    facts = platform_facts(settings, "azure-devops:contoso/shop/orders", PROBE)

    assert facts["dora.method"].value == "deployments"
    assert facts["dora.change_failure_rate"].value == round(1 / 12, 3)
    assert facts["dora.lead_time_hours"].value == 10.33  # commit 10 h before, 20 min pipeline
