"""Who is acting, and what they may do.

Every review records a resolved actor and how it was resolved, never free text. The order:

1. ``$FUNDAMENTALS_ACTOR`` — set by an automated caller (a pipeline, a bot);
2. the user of ``$GITHUB_TOKEN`` (GitHub ``GET /user``; ``$GITHUB_API_URL`` for GitHub Enterprise);
3. the Azure principal: ``az account show`` when the Azure CLI is installed, else the principal
   behind azure-identity's environment / workload-identity credential;
4. ``git config user.email`` — the offline fallback.

Each step is cheap and time-bounded; a step that fails falls through to the next.
Roles come from the config: a service's owner team (``[[teams]]``) and the reliability
engineers (``[roles] reliability_engineers``).
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scanner.errors import InputError
from scanner.models import Service

log = logging.getLogger(__name__)

ACTOR_ENV = "FUNDAMENTALS_ACTOR"
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Actor:
    """A resolved identity: ``name`` (email, login or principal) and ``source`` (how we know)."""

    name: str
    source: str  # env | github | azure-cli | azure-identity | git

    def __str__(self) -> str:
        return f"{self.name} (via {self.source})"


Resolver = Callable[[Mapping[str, str]], "Actor | None"]


def from_env(env: Mapping[str, str]) -> Actor | None:
    name = env.get(ACTOR_ENV, "").strip()
    return Actor(name, "env") if name else None


def from_github(env: Mapping[str, str]) -> Actor | None:
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        return None
    from github import Auth, Github, GithubException

    base_url = env.get("GITHUB_API_URL") or "https://api.github.com"
    client = Github(
        auth=Auth.Token(token), base_url=base_url, timeout=int(TIMEOUT_SECONDS), retry=0
    )
    try:
        login = client.get_user().login
    except (GithubException, OSError) as exc:
        # An Actions installation token cannot read /user; fall through to the next source.
        log.info("GITHUB_TOKEN does not name a user: %s", exc)
        return None
    finally:
        client.close()
    return Actor(login, "github") if login else None


def from_azure_cli(env: Mapping[str, str]) -> Actor | None:
    az = shutil.which("az", path=env.get("PATH"))
    if az is None:
        return None
    try:
        done = subprocess.run(
            [az, "account", "show", "--query", "user.name", "--output", "tsv"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=dict(env),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("az account show failed: %s", exc)
        return None
    name = done.stdout.strip()
    return Actor(name, "azure-cli") if done.returncode == 0 and name else None


def from_azure_identity(env: Mapping[str, str]) -> Actor | None:
    """The service principal / workload identity configured through ``AZURE_*`` variables."""
    if not env.get("AZURE_CLIENT_ID") or not env.get("AZURE_TENANT_ID"):
        return None

    def token() -> str:
        from azure.identity import EnvironmentCredential, WorkloadIdentityCredential

        credential: WorkloadIdentityCredential | EnvironmentCredential
        if env.get("AZURE_FEDERATED_TOKEN_FILE"):
            credential = WorkloadIdentityCredential()
        else:
            credential = EnvironmentCredential()
        return credential.get_token("https://management.azure.com/.default").token

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        claims = jwt_claims(pool.submit(token).result(timeout=TIMEOUT_SECONDS))
    except Exception as exc:  # any failure to get a token means "not this source"
        log.info("azure-identity gave no principal: %s", exc)
        return None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for claim in ("upn", "preferred_username", "unique_name", "appid", "oid"):
        if claims.get(claim):
            return Actor(str(claims[claim]), "azure-identity")
    return None


def from_git(env: Mapping[str, str]) -> Actor | None:
    git = shutil.which("git", path=env.get("PATH"))
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "config", "user.email"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=dict(env),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    email = done.stdout.strip()
    return Actor(email, "git") if done.returncode == 0 and email else None


DEFAULT_RESOLVERS: tuple[Resolver, ...] = (
    from_env,
    from_github,
    from_azure_cli,
    from_azure_identity,
    from_git,
)


def resolve_actor(
    env: Mapping[str, str] | None = None, resolvers: Sequence[Resolver] = DEFAULT_RESOLVERS
) -> Actor:
    """The first identity a resolver can establish; an ``InputError`` when none can."""
    env = os.environ if env is None else env
    for resolver in resolvers:
        actor = resolver(env)
        if actor is not None:
            return actor
    raise InputError(
        f"cannot tell who you are: set ${ACTOR_ENV}, sign in to GitHub or Azure, "
        "or set `git config user.email`"
    )


def jwt_claims(token: str) -> dict[str, object]:
    """The payload of a JWT, unverified: we only read our own token to learn its subject."""
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    data = json.loads(base64.urlsafe_b64decode(payload))
    return data if isinstance(data, dict) else {}


# --- roles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roles:
    """Service owners (team members) and reliability engineers, compared case-insensitively."""

    reliability_engineers: frozenset[str] = frozenset()
    teams: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: object) -> Roles:
        roles = getattr(config, "roles", None)
        teams = getattr(config, "teams", None) or []
        return cls(
            reliability_engineers=frozenset(
                n.lower() for n in (roles.reliability_engineers if roles else [])
            ),
            teams={t.name.lower(): frozenset(m.lower() for m in t.members) for t in teams},
        )

    def _members(self, names: frozenset[str] | set[str]) -> set[str]:
        found = set(names)
        for name in names:
            found |= self.teams.get(name, frozenset())
        return found

    def is_reliability_engineer(self, actor: Actor) -> bool:
        return actor.name.lower() in self._members(self.reliability_engineers)

    def owns(self, actor: Actor, service: Service) -> bool:
        if not service.owner:
            return False
        return actor.name.lower() in self._members({service.owner.lower()})
