"""Gate policy as data (TOML): the level each category must reach, per tier and for Golden Thread.

See ``default_policy.toml`` for the annotated default and docs/gate.md for the format.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scanner.errors import ConfigError
from scanner.models import Level, Service, Tier

DEFAULT_POLICY = "default_policy.toml"


def _rag(value: Level) -> Level:
    if value.rank < 0:
        raise ValueError("a required level is one of red, amber, green")
    return value


class Requirement(BaseModel):
    """Minimum levels: for every category, per pillar, and per category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minimum: Level | None = None
    pillars: dict[str, Level] = Field(default_factory=dict)
    categories: dict[str, Level] = Field(default_factory=dict)

    @field_validator("minimum")
    @classmethod
    def _minimum(cls, value: Level | None) -> Level | None:
        return None if value is None else _rag(value)

    @field_validator("pillars", "categories")
    @classmethod
    def _levels(cls, value: dict[str, Level]) -> dict[str, Level]:
        return {k: _rag(v) for k, v in value.items()}

    def required(self, category: str, pillar: str | None) -> list[tuple[Level, str]]:
        found = []
        if self.minimum is not None:
            found.append((self.minimum, "every category"))
        if pillar is not None and pillar in self.pillars:
            found.append((self.pillars[pillar], f"pillar {pillar}"))
        if category in self.categories:
            found.append((self.categories[category], f"category {category}"))
        return found


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    unknown: Literal["fail", "warn", "pass"] = "warn"
    mode: Literal["minimum", "no-regression", "both"] = "minimum"
    golden_thread: Requirement = Field(default_factory=Requirement)
    tiers: dict[Tier, Requirement] = Field(default_factory=dict)

    @property
    def needs_baseline(self) -> bool:
        return self.mode in ("no-regression", "both")

    @property
    def uses_pillars(self) -> bool:
        return bool(self.golden_thread.pillars) or any(r.pillars for r in self.tiers.values())

    def required(
        self, service: Service, category: str, pillar: str | None
    ) -> tuple[Level | None, str]:
        """The strictest level that applies to ``category`` of ``service``, and its source."""
        candidates: list[tuple[Level, str]] = []
        tier = self.tiers.get(service.tier)
        if tier is not None:
            candidates += [
                (lvl, f"{service.tier.value} tier, {why}")
                for lvl, why in tier.required(category, pillar)
            ]
        if service.golden_thread:
            candidates += [
                (lvl, f"Golden Thread, {why}")
                for lvl, why in self.golden_thread.required(category, pillar)
            ]
        if not candidates:
            return None, ""
        return max(candidates, key=lambda c: c[0].rank)


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy file, or the default shipped with the package."""
    if path is None:
        text = resources.files("scanner").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
        where = f"<built-in {DEFAULT_POLICY}>"
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: cannot read policy: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{where}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        ]
        raise ConfigError("\n".join(lines)) from None
