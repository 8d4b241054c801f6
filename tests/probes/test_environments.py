from probes.environments import PROBE
from tests.fakes import azure_devops
from tests.fakes import github as fake_github
from tests.fakes.fixtures import platform_facts


def test_a_guarded_production_environment(github, settings):
    github.add(fake_github.sample_repo("acme/a"))

    facts = platform_facts(settings, "github:acme/a", PROBE)

    assert facts["deploy.production_environment"].value is True
    assert facts["deploy.production_approvals"].value is True
    assert facts["deploy.production_wait_timer_minutes"].value == 15
    assert facts["deploy.production_branch_policy"].value is True
    assert (
        facts["deploy.production_environment"].locators[0].url.endswith("/environments/production")
    )


def test_no_production_environment(github, settings):
    repo = github.add(fake_github.sample_repo("acme/b"))
    repo.environments = [{"name": "staging"}]

    facts = platform_facts(settings, "github:acme/b", PROBE)

    assert facts["deploy.production_environment"].value is False
    assert facts["deploy.production_approvals"].value is False
    assert facts["deploy.production_checks"].value == []


def test_an_unguarded_production_environment(github, settings):
    repo = github.add(fake_github.sample_repo("acme/c"))
    repo.environments = [{"name": "prod-eu"}]

    facts = platform_facts(settings, "github:acme/c", PROBE)

    assert facts["deploy.production_environment"].value is True
    assert facts["deploy.production_approvals"].value is False
    assert facts["deploy.production_branch_policy"].value is False


def test_azure_devops_environment_checks(azure, settings):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))

    facts = platform_facts(settings, "azure-devops:contoso/shop/orders", PROBE)

    assert facts["deploy.production_approvals"].value is True
    assert facts["deploy.production_branch_policy"].value is True
    assert facts["deploy.production_checks"].value == ["Approval", "Branch control"]
    assert facts["deploy.production_wait_timer_minutes"].value is None
