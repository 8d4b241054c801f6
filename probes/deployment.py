"""Do the pipelines deploy the service, through named environments, and apply its IaC?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean, matching_steps, steps, task_input
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import Job, RepoSnapshot, Step

FACTS = (
    FactSpec("ci.deploys", "bool", "A pipeline deploys the service."),
    FactSpec(
        "ci.environments",
        "bool",
        "Deploy jobs target a named environment, or a pipeline waits for manual validation.",
    ),
    FactSpec("iac.pipeline", "bool", "A pipeline applies infrastructure as code."),
)

_IAC_COMMAND = re.compile(
    r"""
      \bterraform\s+(-chdir=\S+\s+)?apply\b
    | \baz\s+deployment\s+(group|sub|mg|tenant)\s+create\b
    | \baz\s+stack\s+(group|sub|mg)\s+create\b
    | \bNew-Az(ResourceGroup|Subscription|ManagementGroup|Tenant)?Deployment\b
    | \bpulumi\s+up\b
    | \bazd\s+(provision|up)\b
    | \bbicep\s+deploy\b
    | \baws\s+cloudformation\s+deploy\b
    """,
    re.VERBOSE | re.MULTILINE | re.IGNORECASE,
)
_DEPLOY_COMMAND = re.compile(
    r"""
      \bazd\s+(deploy|up)\b
    | \baz\s+(webapp|functionapp)\s+(deploy|deployment|up|config\s+container\s+set)\b
    | \baz\s+(containerapp|spring\s+app|staticwebapp)\s+(up|update|create|deploy)\b
    | \bfunc\s+azure\s+functionapp\s+publish\b
    | \bkubectl\s+(apply|set\s+image|rollout\s+restart)\b
    | \bhelm\s+(upgrade|install)\b
    | \b(kustomize|argocd\s+app)\s+(build\s+.*\|\s*kubectl|sync)\b
    """,
    re.VERBOSE | re.MULTILINE | re.IGNORECASE,
)
_DEPLOY_ACTIONS = re.compile(
    r"^azure/(webapps-deploy|functions-action|k8s-deploy|container-apps-deploy-action"
    r"|static-web-apps-deploy|aci-deploy|arm-deploy|aks-set-context|spring-apps-deploy)$"
    r"|^Azure/static-web-apps-deploy$|^pulumi/actions$|^aws-actions/amazon-ecs-deploy-task-definition$",
    re.IGNORECASE,
)
_DEPLOY_TASKS = {
    "azurewebapp",
    "azurefunctionapp",
    "azurermwebappdeployment",
    "azurewebappcontainer",
    "azurefunctionappcontainer",
    "azurecontainerapps",
    "azurespringcloud",
    "azurestaticwebapp",
    "kubernetesmanifest",
    "helmdeploy",
    "azureresourcemanagertemplatedeployment",
    "azureresourcegroupdeployment",
    "azurecloudpowershelldeployment",
    "sqlazuredacpacdeployment",
}
_IAC_TASKS = {"azureresourcemanagertemplatedeployment", "azureresourcegroupdeployment"}
_TERRAFORM_TASK = re.compile(r"^(TerraformTask(V\d)?|TerraformCLI|TerraformTaskV\d)$", re.I)


def _iac_step(step: Step) -> bool:
    name = step.task_name
    if name.lower() in _IAC_TASKS or name.lower() == "azure/arm-deploy":
        return True
    if _TERRAFORM_TASK.match(name):
        return task_input(step, "command").strip().lower() == "apply"
    if name.lower() == "pulumi/actions":
        return task_input(step, "command").strip().lower() == "up"
    if name.lower() == "azurecli":
        return bool(_IAC_COMMAND.search(task_input(step, "inlineScript")))
    if name.lower() in ("azurepowershell", "azurecloudpowershelldeployment"):
        return bool(_IAC_COMMAND.search(task_input(step, "Inline")))
    return False


def _deploy_step(step: Step) -> bool:
    name = step.task_name
    if name.lower() in _DEPLOY_TASKS or _DEPLOY_ACTIONS.match(name) or _iac_step(step):
        return True
    if name.lower() == "azurecli":
        return bool(_DEPLOY_COMMAND.search(task_input(step, "inlineScript")))
    return False


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    problems = snapshot.pipeline_problems()
    iac = matching_steps(snapshot, run=_IAC_COMMAND, task=_iac_step)
    deploys: list[Step | Job] = []
    deploys += matching_steps(snapshot, run=_DEPLOY_COMMAND, task=_deploy_step)
    deploys += iac
    deploys += [job for p in snapshot.pipelines for job in p.jobs if job.deployment]
    yield boolean("ci.deploys", sorted(deploys, key=lambda e: (e.path, e.line)), problems)

    environments: list[Step | Job] = [
        job for p in snapshot.pipelines for job in p.jobs if job.environment
    ]
    environments += [
        step for _, step in steps(snapshot) if step.task_name.lower() == "manualvalidation"
    ]
    yield boolean("ci.environments", environments, problems)
    yield boolean("iac.pipeline", iac, problems)


PROBE = Probe(
    id="deployment",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for deploy and IaC-apply commands, tasks and actions, deployment jobs and "
    "environments in pipelines.",
)
