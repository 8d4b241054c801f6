"""Pipelines as jobs and steps, and the pipeline probes on the shapes each CI system allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes import ci_tests, deployment, sast, secret_scanning
from scanner.repository.pipelines import parse_azure, parse_github
from scanner.safeyaml import load
from tests.probes.cases import observe, snapshot_of


def write(root: Path, relpath: str, text: str) -> None:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_github_workflow_becomes_jobs_and_steps_with_lines() -> None:
    text = """name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    environment: staging
    steps:
      - uses: actions/checkout@v4
      - name: Test
        run: pytest -q
  release:
    uses: ./.github/workflows/release.yml
"""
    pipeline = parse_github(".github/workflows/ci.yml", load(text))

    assert pipeline is not None
    test, release = pipeline.jobs
    assert (test.id, test.line, test.environment) == ("test", 5, "staging")
    assert [(s.line, s.uses, s.run) for s in test.steps] == [
        (8, "actions/checkout@v4", None),
        (9, None, "pytest -q"),
    ]
    assert test.steps[0].task_name == "actions/checkout"
    assert release.uses == "./.github/workflows/release.yml"


def test_azure_stages_deployment_jobs_and_conditional_steps() -> None:
    text = """trigger: [main]
stages:
  - stage: build
    jobs:
      - job: build
        steps:
          - ${{ if eq(variables['Build.Reason'], 'PullRequest') }}:
            - script: make lint
          - task: DotNetCoreCLI@2
            inputs:
              command: test
  - stage: prod
    jobs:
      - deployment: web
        environment:
          name: production
          resourceType: VirtualMachine
        strategy:
          canary:
            increments: [10]
            deploy:
              steps:
                - bash: ./deploy.sh
            on:
              failure:
                steps:
                  - pwsh: ./rollback.ps1
"""
    pipeline = parse_azure("azure-pipelines.yml", load(text))

    assert pipeline is not None
    build, web = pipeline.jobs
    assert [(s.line, s.run or s.uses) for s in build.steps] == [
        (8, "make lint"),
        (9, "DotNetCoreCLI@2"),
    ]
    assert build.steps[1].inputs == {"command": "test"}
    assert (web.deployment, web.environment) == (True, "production")
    assert [s.run for s in web.steps] == ["./deploy.sh", "./rollback.ps1"]


def test_yaml_that_is_not_a_pipeline_is_not_taken_for_one() -> None:
    assert parse_azure("config/app.yml", load("steps: 3\nname: not a pipeline\n")) is None
    assert parse_github(".github/workflows/x.yml", load("- a\n- b\n")) is None


def test_azure_pipelines_are_found_under_any_name(tmp_path: Path) -> None:
    write(tmp_path, "build/ci.yml", "steps:\n  - script: go test ./...\n")  # build/ is skipped
    write(tmp_path, "ci/templates/test-steps.yml", "steps:\n  - script: go test ./...\n")
    write(tmp_path, "docker-compose.yml", "services:\n  web:\n    image: nginx\n")

    snapshot = snapshot_of(tmp_path)

    assert [p.path for p in snapshot.pipelines] == ["ci/templates/test-steps.yml"]


@pytest.mark.parametrize(
    ("step", "runs_tests"),
    [
        ("- task: Maven@4\n    inputs:\n      mavenPomFile: pom.xml", True),  # goals: package
        ("- task: Maven@4\n    inputs:\n      goals: package\n      options: -DskipTests", False),
        ("- task: Gradle@3\n    inputs:\n      tasks: assemble", False),
        ("- task: Gradle@3", True),  # tasks: build
        ("- task: VSTest@2", True),
        (
            "- task: PublishTestResults@2\n    inputs:\n      testResultsFiles: '**/TEST-*.xml'",
            True,
        ),
        ("- task: DotNetCoreCLI@2\n    inputs:\n      command: build", False),
        ("- task: Npm@1\n    inputs:\n      command: custom\n      customCommand: run test", True),
        ("- script: ./gradlew build -x test", False),
        ("- script: ./gradlew check", True),
        ("- script: yarn test:unit", True),
        ("- script: npx vitest run", True),
        ("- script: make test", True),
        ("- script: echo 'testing is fun'", False),
        ("- script: pip install pytest tox", False),
        ("- script: |\n      # pytest\n      echo no tests", False),
    ],
)
def test_azure_test_steps(tmp_path: Path, step: str, runs_tests: bool) -> None:
    write(tmp_path, "azure-pipelines.yml", f"trigger: [main]\nsteps:\n  {step}\n")

    assert observe(ci_tests.PROBE, snapshot_of(tmp_path))["ci.runs_tests"].value is runs_tests


@pytest.mark.parametrize(
    ("step", "deploys", "applies_iac"),
    [
        ("- task: AzureFunctionApp@2", True, False),
        ("- task: HelmDeploy@0", True, False),
        ("- task: TerraformTaskV4@4\n    inputs:\n      command: plan", False, False),
        ("- task: TerraformTaskV4@4\n    inputs:\n      command: apply", True, True),
        (
            "- task: AzureCLI@2\n    inputs:\n      inlineScript: az deployment sub create -f "
            "main.bicep",
            True,
            True,
        ),
        (
            "- task: AzureCLI@2\n    inputs:\n      inlineScript: az webapp deploy --src-path "
            "app.zip",
            True,
            False,
        ),
        ("- script: azd deploy", True, False),
        ("- script: terraform plan", False, False),
        ("- script: az group list", False, False),
    ],
)
def test_azure_deploy_steps(tmp_path: Path, step: str, deploys: bool, applies_iac: bool) -> None:
    write(tmp_path, "azure-pipelines.yml", f"trigger: [main]\nsteps:\n  {step}\n")

    facts = observe(deployment.PROBE, snapshot_of(tmp_path))

    assert facts["ci.deploys"].value is deploys
    assert facts["iac.pipeline"].value is applies_iac


@pytest.mark.parametrize(
    ("uses", "sast_found", "secrets_found"),
    [
        ("microsoft/security-devops-action@v1", True, False),
        ("returntocorp/semgrep-action@v1", True, False),
        ("snyk/actions/node@master", True, False),
        ("trufflesecurity/trufflehog@main", False, True),
        ("actions/checkout@v4", False, False),
    ],
)
def test_github_security_actions(
    tmp_path: Path, uses: str, sast_found: bool, secrets_found: bool
) -> None:
    write(
        tmp_path,
        ".github/workflows/security.yml",
        f"on: [push]\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: {uses}\n",
    )
    snapshot = snapshot_of(tmp_path)

    assert observe(sast.PROBE, snapshot)["security.sast"].value is sast_found
    assert (
        observe(secret_scanning.PROBE, snapshot)["security.secret_scanning"].value is secrets_found
    )


def test_msdo_counts_for_secret_scanning_only_when_credscan_is_asked_for(tmp_path: Path) -> None:
    write(
        tmp_path,
        "azure-pipelines.yml",
        "trigger: [main]\nsteps:\n  - task: MicrosoftSecurityDevOps@1\n    inputs:\n"
        "      tools: credscan,bandit\n",
    )

    facts = observe(secret_scanning.PROBE, snapshot_of(tmp_path))

    assert facts["security.secret_scanning"].value is True
    assert str(facts["security.secret_scanning"].locators[0]) == "azure-pipelines.yml:3"
