"""Is the default branch protected: pull requests, approvals, code owners, checks, admins?

GitHub: classic branch protection (needs administration:read) united with the rulesets that
apply to the branch (readable with metadata:read). Azure Repos: the branch policies.
"""

from __future__ import annotations

from collections.abc import Iterator

from probes.platform_answers import ask, fact, unknown_all
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.remote.platform import PlatformSnapshot

FACTS = (
    FactSpec("scm.pr_required", "bool", "Changes reach the default branch only by pull request."),
    FactSpec("scm.required_approvals", "int", "Approving reviews a pull request needs (0: none)."),
    FactSpec(
        "scm.codeowner_review_required", "bool", "A code owner (required reviewer) must approve."
    ),
    FactSpec("scm.required_status_checks", "list[str]", "Checks that must pass before merging."),
    FactSpec(
        "scm.protection_includes_admins", "bool", "Administrators are held to the same rules."
    ),
)
KEYS = tuple(f.key for f in FACTS)


def observe(snapshot: PlatformSnapshot) -> Iterator[Observation]:
    protection, reason = ask(snapshot.protection)
    if protection is None:
        yield from unknown_all(KEYS, reason)
        return
    why = protection.reasons
    url = protection.url
    checks = list(protection.status_checks) if protection.status_checks is not None else None
    yield fact("scm.pr_required", protection.pr_required, url, why.get("pr_required", ""))
    yield fact(
        "scm.required_approvals",
        protection.required_approvals,
        url,
        why.get("required_approvals", ""),
    )
    yield fact(
        "scm.codeowner_review_required",
        protection.codeowner_review,
        url,
        why.get("codeowner_review", ""),
    )
    yield fact("scm.required_status_checks", checks, url, why.get("status_checks", ""))
    yield fact(
        "scm.protection_includes_admins",
        protection.includes_admins,
        url,
        why.get("includes_admins", ""),
    )


PROBE = Probe(
    id="branch-protection",
    version="1",
    target_kind="platform",
    facts=FACTS,
    observe=observe,
    description="Reads the default branch's protection and rulesets (GitHub) or branch "
    "policies (Azure Repos).",
)
