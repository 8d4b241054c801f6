"""The configuration file: database, extra rule packs and the catalog of services.

Looked up in this order: ``--config PATH``, ``$FUNDAMENTALS_CONFIG``, ``./fundamentals.toml``.
Without one, the catalog is empty and ``scan PATH`` makes up a service per path.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scanner.azure.settings import AzureServiceConfig, AzureSettings
from scanner.errors import ConfigError
from scanner.models import Service, Tier
from scanner.remote.context import (
    AZURE_DEVOPS,
    GITHUB_API,
    AzureDevOpsSettings,
    GitHubSettings,
    RemoteSettings,
)

CONFIG_ENV = "FUNDAMENTALS_CONFIG"
DEFAULT_CONFIG_NAME = "fundamentals.toml"
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
GITHUB_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
AZURE_REPO = re.compile(r"^[^/\s]{1,100}/[^/]{1,64}/[^/]{1,64}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesConfig(_Strict):
    paths: list[str] = Field(default_factory=list)


class ServiceConfig(_Strict):
    name: str
    owner: str = ""
    tier: Tier = Tier.NON_CRITICAL
    golden_thread: bool = False
    domain: str = ""
    platform: str = ""
    repositories: list[str] = Field(default_factory=list)
    system: str = ""
    lifecycle: str = ""
    # Remote sources by kind, e.g. { github = "org/repo", azure = ["/subscriptions/…"] }.
    sources: dict[str, str | list[str]] = Field(default_factory=dict)
    azure: AzureServiceConfig | None = None
    github: list[str] = Field(default_factory=list)  # "owner/name"
    azure_devops: list[str] = Field(default_factory=list)  # "org/project/repo"

    @field_validator("github")
    @classmethod
    def _github(cls, value: list[str]) -> list[str]:
        for repo in value:
            if not GITHUB_REPO.match(repo):
                raise ValueError(f"{repo!r}: GitHub repositories are written owner/name")
        return value

    @field_validator("azure_devops")
    @classmethod
    def _azure_devops(cls, value: list[str]) -> list[str]:
        for repo in value:
            if not AZURE_REPO.match(repo):
                raise ValueError(
                    f"{repo!r}: Azure DevOps repositories are written org/project/repo"
                )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SERVICE_NAME.match(value):
            raise ValueError("service names use letters, digits, '.', '_' and '-' (max 128)")
        return value


class RolesConfig(_Strict):
    """Who may do what in reviews. Entries are actor ids (emails, GitHub logins) or team names."""

    reliability_engineers: list[str] = Field(default_factory=list)


class TeamConfig(_Strict):
    """A team named as a service's ``owner``; its members may review that service."""

    name: str
    members: list[str] = Field(default_factory=list)


class GitHubConfig(_Strict):
    """``[github]``: where GitHub is and how to authenticate (a token, or a GitHub App)."""

    base_url: str = GITHUB_API
    token_env: str = "GITHUB_TOKEN"
    app_id: str | None = None
    private_key_file: str | None = None
    installation_id: int | None = None


class AzureDevOpsConfig(_Strict):
    """``[azure_devops]``: a PAT from ``pat_env``, else an azure-identity token."""

    base_url: str = AZURE_DEVOPS
    pat_env: str = "AZURE_DEVOPS_PAT"
    use_azure_identity: bool = True


class Config(_Strict):
    database: str | None = None
    github: GitHubConfig = Field(default_factory=GitHubConfig)
    azure_devops: AzureDevOpsConfig = Field(default_factory=AzureDevOpsConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    services: list[ServiceConfig] = Field(default_factory=list)
    roles: RolesConfig = Field(default_factory=RolesConfig)
    teams: list[TeamConfig] = Field(default_factory=list)
    azure: AzureSettings = Field(default_factory=AzureSettings)
    path: Path | None = Field(default=None, exclude=True)

    def catalog(self) -> dict[str, Service]:
        """Services by name, with repository paths resolved against the config file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        estate = _estate(self) if any(s.azure for s in self.services) else None
        return {
            s.name: Service(
                name=s.name,
                owner=s.owner,
                tier=s.tier,
                golden_thread=s.golden_thread,
                domain=s.domain,
                platform=s.platform,
                repositories=tuple(_resolve_repo(base, r) for r in s.repositories),
                system=s.system,
                lifecycle=s.lifecycle,
                sources=tuple(
                    (kind, value)
                    for kind, values in s.sources.items()
                    for value in ([values] if isinstance(values, str) else values)
                ),
                azure=estate.scope(s.name, s.azure) if estate and s.azure else None,
                github=tuple(s.github),
                azure_devops=tuple(s.azure_devops),
            )
            for s in self.services
        }

    def remote_settings(self) -> RemoteSettings:
        """The GitHub / Azure DevOps settings the remote collectors use."""
        base = self.path.parent if self.path else Path.cwd()
        key = self.github.private_key_file
        return RemoteSettings(
            github=GitHubSettings(
                base_url=self.github.base_url.rstrip("/"),
                token_env=self.github.token_env,
                app_id=self.github.app_id,
                private_key_file=str((base / key).expanduser()) if key else None,
                installation_id=self.github.installation_id,
            ),
            azure_devops=AzureDevOpsSettings(
                base_url=self.azure_devops.base_url.rstrip("/"),
                pat_env=self.azure_devops.pat_env,
                use_azure_identity=self.azure_devops.use_azure_identity,
            ),
        )

    def rule_paths(self) -> list[Path]:
        base = self.path.parent if self.path else Path.cwd()
        return [(base / p).resolve() for p in self.rules.paths]


def _estate(config: Config) -> Any:
    """One shared Azure reader for the catalog, so its inventory is read once for all services."""
    from scanner.azure.estate import Estate

    return Estate(config.azure)


def _resolve_repo(base: Path, repo: str) -> str:
    # Local paths are resolved; anything else (owner/name, URLs) is kept for remote collectors.
    candidate = base / repo
    if repo.startswith((".", "/", "~")) or candidate.exists():
        return str(candidate.expanduser().resolve())
    return repo


def find_config(explicit: str | None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"{path}: config file named by ${CONFIG_ENV} not found")
        return path
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.is_file() else None


def load_config(explicit: str | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config()
    return parse_config(path)


def parse_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = err["loc"]
            where = ".".join(str(p) for p in loc)
            lines.append(f"{path}:{_line_of(text, loc)}: {where}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None
    names = [s.name for s in config.services]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        first: tuple[Any, ...] = ("services", names.index(duplicates[0]), "name")
        raise ConfigError(
            f"{path}:{_line_of(text, first)}: duplicate service name(s): {', '.join(duplicates)}"
        )
    return config.model_copy(update={"path": path.resolve()})


def _line_of(text: str, loc: tuple[Any, ...]) -> int:
    """Best-effort line number for a validation error location (tomllib keeps no positions)."""
    lines = text.splitlines()
    start = 0
    if len(loc) >= 2 and isinstance(loc[1], int):
        header = re.compile(rf"^\s*\[\[\s*{re.escape(str(loc[0]))}\s*\]\]")
        seen = -1
        for number, line in enumerate(lines):
            if header.match(line):
                seen += 1
                if seen == loc[1]:
                    start = number
                    break
        loc = loc[2:]
    if loc:
        key = re.compile(rf"^\s*{re.escape(str(loc[0]))}\s*=")
        for number in range(start, len(lines)):
            if key.match(lines[number]):
                return number + 1
    return start + 1
