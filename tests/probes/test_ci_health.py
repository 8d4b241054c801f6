from probes.ci_health import PROBE
from tests.fakes import azure_devops
from tests.fakes import github as fake_github
from tests.fakes.fixtures import platform_facts


def test_success_rate_and_tests(github, settings):
    github.add(fake_github.sample_repo("acme/a"))

    facts = platform_facts(settings, "github:acme/a", PROBE)

    assert facts["ci.default_branch_success_rate"].value == round(29 / 30, 3)
    assert facts["ci.tests_reported"].value is True


def test_runs_are_paged_and_no_test_checks(github, settings):
    repo = github.add(fake_github.sample_repo("acme/b"))
    repo.runs = repo.runs * 8  # 240 runs: three pages of 100
    repo.check_runs = [{"id": 1, "name": "lint", "output": {"title": "ok"}, "url": "x"}]

    facts = platform_facts(settings, "github:acme/b", PROBE)

    assert facts["ci.default_branch_success_rate"].value == round(29 / 30, 3)
    assert facts["ci.tests_reported"].value is False
    assert sum("actions/runs" in path for _, path, _ in github.log) == 3


def test_missing_actions_permission_is_unknown(github, settings):
    github.add(fake_github.sample_repo("acme/c"))
    github.fail(r"/actions/runs$", "forbidden")

    facts = platform_facts(settings, "github:acme/c", PROBE)

    assert "actions:read" in facts["ci.default_branch_success_rate"].reason


def test_azure_pipelines_builds_and_test_runs(azure, settings):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))

    facts = platform_facts(settings, "azure-devops:contoso/shop/orders", PROBE)

    assert facts["ci.default_branch_success_rate"].value == round(4 / 5, 3)
    assert facts["ci.tests_reported"].value is True
