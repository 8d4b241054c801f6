"""Is there a production environment, and is deploying to it guarded?

GitHub: deployment environments and their protection rules (required reviewers, wait timer,
deployment branch policy). Azure DevOps: environments and their checks (approvals, branch
control, …). A production-like name is prod, production, prd or live (prod-eu, uk-live …).
"""

from __future__ import annotations

from collections.abc import Iterator

from probes.platform_answers import ask, fact, unknown_all
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.remote.platform import PlatformSnapshot

FACTS = (
    FactSpec("deploy.production_environment", "bool", "A production-like environment exists."),
    FactSpec(
        "deploy.production_approvals",
        "bool",
        "Every production-like environment requires a reviewer's approval.",
    ),
    FactSpec(
        "deploy.production_wait_timer_minutes",
        "int",
        "The shortest wait timer on a production-like environment (GitHub only).",
    ),
    FactSpec(
        "deploy.production_branch_policy",
        "bool",
        "Every production-like environment limits which branches may deploy to it.",
    ),
    FactSpec(
        "deploy.production_checks",
        "list[str]",
        "Protection rules / checks configured on production-like environments.",
    ),
)
KEYS = tuple(f.key for f in FACTS)


def observe(snapshot: PlatformSnapshot) -> Iterator[Observation]:
    answer, reason = ask(snapshot.environments)
    if answer is None:
        yield from unknown_all(KEYS, reason)
        return
    environments, url = answer
    production = [e for e in environments if e.production]
    where = tuple(Locator(url=e.url or url) for e in production[:5]) or (Locator(url=url),)
    yield Observation("deploy.production_environment", bool(production), where)
    if not production:
        for key in KEYS[1:]:
            value: object = False if key != "deploy.production_checks" else []
            if key == "deploy.production_wait_timer_minutes":
                value = 0
            yield Observation(key, value, where)
        return
    yield Observation(
        "deploy.production_approvals", all(e.required_reviewers for e in production), where
    )
    waits = [e.wait_timer_minutes for e in production]
    yield fact(
        "deploy.production_wait_timer_minutes",
        None if any(w is None for w in waits) else min(w for w in waits if w is not None),
        url,
        f"{snapshot.platform} environments have no wait timer (see deploy.production_checks)",
    )
    yield Observation(
        "deploy.production_branch_policy", all(e.branch_policy for e in production), where
    )
    yield Observation(
        "deploy.production_checks", sorted({c for e in production for c in e.checks}), where
    )


PROBE = Probe(
    id="environments",
    version="1",
    target_kind="platform",
    facts=FACTS,
    observe=observe,
    description="Reads deployment environments and the protection on production-like ones.",
)
