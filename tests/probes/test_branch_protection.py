from probes.branch_protection import PROBE
from tests.fakes import azure_devops
from tests.fakes import github as fake_github
from tests.fakes.fixtures import platform_facts


def test_classic_protection_and_rulesets_are_read(github, settings):
    github_repo = github.add(github_sample("acme/a"))
    github_repo.rules.append(
        {"type": "pull_request", "parameters": {"required_approving_review_count": 3}}
    )

    facts = platform_facts(settings, "github:acme/a", PROBE)

    assert facts["scm.pr_required"].value is True
    assert facts["scm.required_approvals"].value == 3
    assert facts["scm.codeowner_review_required"].value is True
    assert facts["scm.protection_includes_admins"].value is True
    assert facts["scm.pr_required"].locators[0].url.endswith("/branches/main/protection")


def test_an_unprotected_branch_is_false_even_without_admin_rights(github, settings):
    repo = github.add(github_sample("acme/b"))
    repo.protection = None
    repo.rules = []
    github.fail(r"/protection$", "forbidden")  # the token cannot read protection …

    facts = platform_facts(settings, "github:acme/b", PROBE)

    assert facts["scm.pr_required"].value is False  # … but the branch says protected: false
    assert facts["scm.required_approvals"].value == 0
    assert facts["scm.required_status_checks"].value == []


def test_unreadable_protection_on_a_protected_branch_is_unknown(github, settings):
    github.add(github_sample("acme/c"))
    github.fail(r"/protection$", "forbidden")

    facts = platform_facts(settings, "github:acme/c", PROBE)

    assert facts["scm.pr_required"].value is None
    assert "administration:read" in facts["scm.pr_required"].reason


def test_azure_repos_branch_policies(azure, settings):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))

    facts = platform_facts(settings, "azure-devops:contoso/shop/orders", PROBE)

    assert facts["scm.pr_required"].value is True
    assert facts["scm.required_approvals"].value == 2
    assert facts["scm.required_status_checks"].value == ["orders-ci"]
    assert facts["scm.protection_includes_admins"].value is None


def github_sample(name):
    return fake_github.sample_repo(name)
