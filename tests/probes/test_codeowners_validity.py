from probes.codeowners_validity import PROBE
from tests.fakes import azure_devops
from tests.fakes import github as fake_github
from tests.fakes.fixtures import platform_facts


def test_no_errors_is_valid(github, settings):
    github.add(fake_github.sample_repo("acme/a"))

    assert platform_facts(settings, "github:acme/a", PROBE)["scm.codeowners_valid"].value is True


def test_errors_make_it_invalid_and_are_kept(github, settings):
    repo = github.add(fake_github.sample_repo("acme/b"))
    repo.codeowners_errors = [
        {
            "line": 3,
            "column": 5,
            "kind": "Unknown owner",
            "source": "* @ghost",
            "suggestion": None,
            "message": "Unknown owner on line 3",
            "path": ".github/CODEOWNERS",
        }
    ]

    fact = platform_facts(settings, "github:acme/b", PROBE)["scm.codeowners_valid"]

    assert fact.value is False
    assert fact.locators[1].query == ".github/CODEOWNERS:3: Unknown owner"


def test_no_file_or_azure_repos_is_unknown(github, azure, settings):
    repo = github.add(fake_github.sample_repo("acme/c"))
    repo.codeowners_errors = None
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))

    missing = platform_facts(settings, "github:acme/c", PROBE)["scm.codeowners_valid"]
    ado = platform_facts(settings, "azure-devops:contoso/shop/orders", PROBE)

    assert missing.value is None and "404" in missing.reason
    assert ado["scm.codeowners_valid"].value is None
