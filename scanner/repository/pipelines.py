"""CI pipelines as data: GitHub Actions workflows and Azure Pipelines YAML, as jobs and steps.

Both systems reduce to the same shape — a pipeline has jobs, a job has steps and maybe a target
environment, a step runs a script or calls an action/task with inputs — so probes ask one
question of both. Every job and step keeps its file and line for locators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.safeyaml import YamlMap

GITHUB = "github"
AZURE = "azure"

# Keys under which an Azure Pipelines step carries a script, and the step kinds that are not
# scripts or tasks.
_AZURE_SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
_AZURE_OTHER_STEP_KEYS = (
    "checkout",
    "download",
    "downloadBuild",
    "publish",
    "getPackage",
    "reviewApp",
    "template",
)
_AZURE_TOP_LEVEL = re.compile(r"^(trigger|pr|stages|jobs|steps|pool|extends)\s*:", re.MULTILINE)
_NOT_AZURE = frozenset(
    {
        ".gitlab-ci.yml",
        "cloudbuild.yaml",
        "cloudbuild.yml",
        "bitbucket-pipelines.yml",
        ".pre-commit-config.yaml",
        "mkdocs.yml",
        "codecov.yml",
        "action.yml",
        "action.yaml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.yml",
        "compose.yaml",
    }
)
# Deployment strategies and the lifecycle hooks that hold steps.
_DEPLOY_STRATEGIES = ("runOnce", "rolling", "canary")
_DEPLOY_HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")


@dataclass(frozen=True)
class Step:
    """One step. ``run`` is the script text; ``uses`` the action (GitHub) or task (Azure)."""

    path: str
    line: int
    name: str = ""
    run: str | None = None
    uses: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def task_name(self) -> str:
        """The action or task without its version: ``azure/webapps-deploy``, ``DotNetCoreCLI``."""
        return (self.uses or "").split("@", 1)[0]


@dataclass(frozen=True)
class Job:
    path: str
    line: int
    id: str
    steps: tuple[Step, ...] = ()
    environment: str | None = None
    deployment: bool = False  # an Azure Pipelines deployment job
    uses: str | None = None  # a GitHub job that calls a reusable workflow


@dataclass(frozen=True)
class Pipeline:
    system: str  # "github" or "azure"
    path: str
    jobs: tuple[Job, ...]

    def steps(self) -> Iterator[tuple[Job, Step]]:
        for job in self.jobs:
            for step in job.steps:
                yield job, step


def is_github_workflow(path: str) -> bool:
    directory, _, name = path.rpartition("/")
    return directory == ".github/workflows" and name.lower().endswith((".yml", ".yaml"))


def may_be_azure_pipeline(path: str) -> bool:
    """Whether ``path`` is worth reading as a possible Azure Pipelines file."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    if not name.endswith((".yml", ".yaml")) or lowered.startswith(".github/"):
        return False
    # Files that share Azure's top-level keywords but belong to other tools.
    return name not in _NOT_AZURE


def is_azure_pipeline_name(path: str) -> bool:
    return path.lower().rsplit("/", 1)[-1].startswith("azure-pipelines")


def has_azure_top_level(text: str) -> bool:
    return _AZURE_TOP_LEVEL.search(text) is not None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _inputs(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): _text(v) for k, v in value.items()}


def _line(value: Any, default: int) -> int:
    return value.line if isinstance(value, YamlMap) else default


def _environment(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if value not in (None, "") else None


# --- GitHub Actions ------------------------------------------------------------------------------


def parse_github(path: str, document: Any) -> Pipeline | None:
    """A workflow, or None if the document is not one (no ``jobs`` mapping)."""
    if not isinstance(document, dict) or not isinstance(document.get("jobs"), dict):
        return None
    jobs = []
    for job_id, body in document["jobs"].items():
        if not isinstance(body, dict):
            continue
        job_line = _line(body, 1)
        steps = []
        for raw in body.get("steps") or ():
            if not isinstance(raw, dict):
                continue
            steps.append(
                Step(
                    path=path,
                    line=_line(raw, job_line),
                    name=_text(raw.get("name")),
                    run=_text(raw["run"]) if "run" in raw else None,
                    uses=_text(raw["uses"]) if "uses" in raw else None,
                    inputs=_inputs(raw.get("with")),
                )
            )
        jobs.append(
            Job(
                path=path,
                line=job_line,
                id=str(job_id),
                steps=tuple(steps),
                environment=_environment(body.get("environment")),
                uses=_text(body["uses"]) if "uses" in body else None,
            )
        )
    return Pipeline(GITHUB, path, tuple(jobs))


# --- Azure Pipelines -----------------------------------------------------------------------------


def _template_branches(raw: dict[Any, Any]) -> list[Any] | None:
    """The lists an item made only of ``${{ if … }}:`` / ``${{ each … }}:`` keys inserts
    conditionally (steps, jobs or stages); None for an ordinary item."""
    expressions = [k for k in raw if isinstance(k, str) and k.startswith("${{")]
    if expressions and len(expressions) == len(raw):
        return [raw[key] for key in expressions]
    return None


def _azure_steps(path: str, items: Any, default_line: int) -> Iterator[Step]:
    if not isinstance(items, list):
        return
    for raw in items:
        if not isinstance(raw, dict):
            continue
        line = _line(raw, default_line)
        if (branches := _template_branches(raw)) is not None:
            for branch in branches:
                yield from _azure_steps(path, branch, line)
            continue
        name = _text(raw.get("displayName") or raw.get("name"))
        script_key = next((k for k in _AZURE_SCRIPT_KEYS if k in raw), None)
        if script_key:
            yield Step(path, line, name, run=_text(raw[script_key]))
        elif "task" in raw:
            yield Step(path, line, name, uses=_text(raw["task"]), inputs=_inputs(raw.get("inputs")))
        elif "template" in raw:
            yield Step(
                path,
                line,
                name,
                uses=f"template:{_text(raw['template'])}",
                inputs=_inputs(raw.get("parameters")),
            )
        elif any(k in raw for k in _AZURE_OTHER_STEP_KEYS):
            kind = next(k for k in _AZURE_OTHER_STEP_KEYS if k in raw)
            yield Step(path, line, name, uses=f"{kind}:{_text(raw[kind])}")


def _deployment_steps(path: str, strategy: Any, default_line: int) -> Iterator[Step]:
    if not isinstance(strategy, dict):
        return
    for strategy_name in _DEPLOY_STRATEGIES:
        body = strategy.get(strategy_name)
        if not isinstance(body, dict):
            continue
        hooks = [body.get(h) for h in _DEPLOY_HOOKS]
        # YAML 1.1 reads a bare ``on`` key as the boolean true.
        on = body.get("on", body.get(True))
        if isinstance(on, dict):
            hooks += [on.get("failure"), on.get("success")]
        for hook in hooks:
            if isinstance(hook, dict):
                yield from _azure_steps(path, hook.get("steps"), _line(hook, default_line))


def _azure_jobs(path: str, items: Any, default_line: int) -> Iterator[Job]:
    if not isinstance(items, list):
        return
    for raw in items:
        if not isinstance(raw, dict):
            continue
        line = _line(raw, default_line)
        if (branches := _template_branches(raw)) is not None:
            for branch in branches:
                yield from _azure_jobs(path, branch, line)
            continue
        if "deployment" in raw:
            steps = tuple(_deployment_steps(path, raw.get("strategy"), line))
            yield Job(
                path,
                line,
                _text(raw["deployment"]),
                steps,
                environment=_environment(raw.get("environment")),
                deployment=True,
            )
        elif "job" in raw or "steps" in raw:
            steps = tuple(_azure_steps(path, raw.get("steps"), line))
            yield Job(path, line, _text(raw.get("job") or "job"), steps)
        elif "template" in raw:
            template = Step(
                path,
                line,
                uses=f"template:{_text(raw['template'])}",
                inputs=_inputs(raw.get("parameters")),
            )
            yield Job(path, line, "template", (template,))


def _azure_stages(path: str, items: Any) -> Iterator[Job]:
    if not isinstance(items, list):
        return
    for raw in items:
        if not isinstance(raw, dict):
            continue
        if (branches := _template_branches(raw)) is not None:
            for branch in branches:
                yield from _azure_stages(path, branch)
            continue
        if "jobs" in raw:
            yield from _azure_jobs(path, raw["jobs"], _line(raw, 1))
        elif "template" in raw:
            yield Job(
                path,
                _line(raw, 1),
                "template",
                (Step(path, _line(raw, 1), uses=f"template:{_text(raw['template'])}"),),
            )


def parse_azure(path: str, document: Any) -> Pipeline | None:
    """A pipeline (or a steps/jobs/stages template), or None if the document is not one.

    A file is taken for Azure Pipelines only when its top level has stages, jobs or steps in
    Azure's shape (or an ``extends`` template), so other YAML with a ``steps:`` key is not.
    """
    if not isinstance(document, dict):
        return None
    jobs: list[Job] = []
    if "stages" in document:
        jobs += _azure_stages(path, document["stages"])
    if "jobs" in document:
        jobs += _azure_jobs(path, document["jobs"], _line(document, 1))
    if "steps" in document:
        steps = tuple(_azure_steps(path, document["steps"], _line(document, 1)))
        if steps:
            jobs.append(
                Job(
                    path,
                    document.line_of("steps") if isinstance(document, YamlMap) else 1,
                    "steps",
                    steps,
                )
            )
    if isinstance(document.get("extends"), dict) and "template" in document["extends"]:
        extends = document["extends"]
        jobs.append(
            Job(
                path,
                _line(extends, 1),
                "extends",
                (
                    Step(
                        path,
                        _line(extends, 1),
                        uses=f"template:{extends['template']}",
                        inputs=_inputs(extends.get("parameters")),
                    ),
                ),
            )
        )
    named_file = is_azure_pipeline_name(path)
    if not jobs and not (named_file and ("trigger" in document or "pool" in document)):
        return None
    return Pipeline(AZURE, path, tuple(jobs))
