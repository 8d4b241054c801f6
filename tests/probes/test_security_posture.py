from probes.security_posture import PROBE
from tests.fakes import azure_devops
from tests.fakes import github as fake_github
from tests.fakes.fixtures import platform_facts


def test_alerts_and_settings(github, settings):
    github.add(fake_github.sample_repo("acme/a"))

    facts = platform_facts(settings, "github:acme/a", PROBE)

    assert facts["security.dependabot_open_critical"].value == 1
    assert facts["security.dependabot_open_high"].value == 1
    assert facts["security.code_scanning_enabled"].value is True
    assert facts["security.code_scanning_open_critical_high"].value == 1
    assert facts["security.secret_scanning_enabled"].value is True


def test_code_scanning_off_is_false_not_unknown(github, settings):
    repo = github.add(fake_github.sample_repo("acme/b"))
    repo.code_scanning = (
        403,
        "Advanced Security must be enabled for this repository to use code scanning.",
    )
    repo.security_and_analysis = {"secret_scanning": {"status": "disabled"}}

    facts = platform_facts(settings, "github:acme/b", PROBE)

    assert facts["security.code_scanning_enabled"].value is False
    assert facts["security.secret_scanning_enabled"].value is False
    assert facts["security.push_protection_enabled"].value is False


def test_azure_devops_is_not_read(azure, settings):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))

    facts = platform_facts(settings, "azure-devops:contoso/shop/orders", PROBE)

    assert all(o.value is None for o in facts.values())
