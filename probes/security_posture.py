"""What the platform's security features say: Dependabot, code scanning, secret scanning."""

from __future__ import annotations

from collections.abc import Iterator

from probes.platform_answers import ask, fact, unknown_all
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.remote.platform import PlatformSnapshot

FACTS = (
    FactSpec("security.dependabot_open_critical", "int", "Open critical Dependabot alerts."),
    FactSpec("security.dependabot_open_high", "int", "Open high-severity Dependabot alerts."),
    FactSpec(
        "security.code_scanning_enabled", "bool", "Code scanning has analysed the repository."
    ),
    FactSpec(
        "security.code_scanning_open_critical_high",
        "int",
        "Open code scanning alerts of critical or high security severity.",
    ),
    FactSpec("security.secret_scanning_enabled", "bool", "Secret scanning is enabled."),
    FactSpec("security.push_protection_enabled", "bool", "Secret scanning push protection is on."),
)
KEYS = tuple(f.key for f in FACTS)


def observe(snapshot: PlatformSnapshot) -> Iterator[Observation]:
    posture, reason = ask(snapshot.security)
    if posture is None:
        yield from unknown_all(KEYS, reason)
        return
    why, url = posture.reasons, posture.url
    dependabot = posture.dependabot_open
    yield fact(
        "security.dependabot_open_critical",
        None if dependabot is None else dependabot.get("critical", 0),
        url,
        why.get("dependabot", ""),
    )
    yield fact(
        "security.dependabot_open_high",
        None if dependabot is None else dependabot.get("high", 0),
        url,
        why.get("dependabot", ""),
    )
    yield fact(
        "security.code_scanning_enabled",
        posture.code_scanning_enabled,
        url,
        why.get("code_scanning", ""),
    )
    code = posture.code_scanning_open
    yield fact(
        "security.code_scanning_open_critical_high",
        None if code is None else code.get("critical", 0) + code.get("high", 0),
        url,
        why.get("code_scanning", ""),
    )
    yield fact(
        "security.secret_scanning_enabled",
        posture.secret_scanning_enabled,
        url,
        why.get("secret_scanning", ""),
    )
    yield fact(
        "security.push_protection_enabled",
        posture.push_protection_enabled,
        url,
        why.get("push_protection", ""),
    )


PROBE = Probe(
    id="security-posture",
    version="1",
    target_kind="platform",
    facts=FACTS,
    observe=observe,
    description="Reads Dependabot and code scanning alerts and secret scanning settings.",
)
