"""The Fundamentals framework as data: loading and validating the rule files under ``rules/``.

A rule file is one pillar: its categories, each with red/amber/green definitions and the
criteria (CEL expressions over facts) that prove amber and green. Everything that can be wrong
in a rule file is found at load time, reported as ``path:line: what is wrong``, all at once.
The expressions themselves are checked by :mod:`scanner.expressions`. See docs/rules.md for the
schema.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path

import cel

from scanner import safeyaml
from scanner.errors import RulesError
from scanner.expressions import ExpressionChecker
from scanner.models import FactSpec, Level, Tier

_ID = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
_CRITERION_LEVELS = (Level.AMBER, Level.GREEN)

_FILE_KEYS = ({"pillar", "name", "description", "categories"}, {"order"})
_CATEGORY_KEYS = (
    {"id", "name", "rationale", "definitions", "guidance", "remediation", "criteria"},
    {"tiers"},
)
_CRITERION_KEYS = ({"id", "description", "expr"}, {"effective_from"})


@dataclass(frozen=True)
class Criterion:
    """One condition a category must meet to reach ``level`` (amber or green)."""

    id: str
    level: Level
    expression: str
    description: str
    facts: tuple[str, ...]  # declared fact keys the expression references, sorted
    effective_from: date | None
    source: str  # "path:line"
    program: cel.Program = field(compare=False, repr=False, hash=False)

    def counts_on(self, today: date) -> bool:
        """Whether the criterion counts towards the level on ``today``."""
        return self.effective_from is None or self.effective_from <= today


@dataclass(frozen=True)
class Category:
    """One assessed area of a pillar, e.g. ``logging``."""

    id: str
    name: str
    pillar: str
    definitions: dict[Level, str] = field(hash=False)
    guidance: str
    remediation: dict[Level, str] = field(hash=False)  # keyed by the target level
    tiers: tuple[Tier, ...] | None  # None: applies to every tier
    criteria: tuple[Criterion, ...]
    source: str  # "path:line"
    rationale: str = ""

    def applies_to(self, tier: Tier) -> bool:
        return self.tiers is None or tier in self.tiers

    def criteria_for(self, level: Level) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.level is level)


@dataclass(frozen=True)
class Pillar:
    id: str
    name: str
    description: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class Framework:
    """The loaded rules. ``digest`` identifies the exact rule files that scored a scan."""

    pillars: tuple[Pillar, ...]
    digest: str = ""

    @cached_property
    def categories(self) -> tuple[Category, ...]:
        return tuple(c for p in self.pillars for c in p.categories)

    @cached_property
    def _by_id(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

    def category(self, category_id: str) -> Category:
        try:
            return self._by_id[category_id]
        except KeyError:
            raise KeyError(f"no category {category_id!r} in the framework") from None

    @cached_property
    def facts_used(self) -> frozenset[str]:
        return frozenset(f for c in self.categories for cr in c.criteria for f in cr.facts)


def default_rules_dir() -> Path:
    """The folder of the installed default framework (the ``rules`` package)."""
    return Path(str(resources.files("rules")))


def load_framework(paths: Sequence[Path], facts: Mapping[str, FactSpec]) -> Framework:
    """Load and validate rule files (or folders of ``*.yaml``) against the declared ``facts``.

    Raises RulesError listing every problem found, one ``path:line: message`` per line.
    """
    loader = _Loader(facts)
    files = _rule_files(paths, loader)
    digest = hashlib.sha256()
    pillars: list[tuple[int, int, Pillar]] = []
    for index, path in enumerate(files):
        try:
            data = path.read_bytes()
        except OSError as exc:
            loader.error(1, f"cannot read rule file: {exc.strerror or exc}", str(path))
            continue
        digest.update(path.name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        loaded = loader.load_file(str(path), data)
        if loaded is not None:
            order, pillar = loaded
            pillars.append((order, index, pillar))
    if loader.errors:
        raise RulesError(loader.report())
    ordered = tuple(p for _, _, p in sorted(pillars, key=lambda t: (t[0], t[1])))
    return Framework(pillars=ordered, digest=digest.hexdigest())


def _rule_files(paths: Sequence[Path], loader: _Loader) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.exists():
            files.append(path)
        else:
            loader.error(1, "rule file does not exist", str(path))
    return files


class _Loader:
    """Builds the framework from parsed YAML, collecting every error instead of stopping."""

    def __init__(self, facts: Mapping[str, FactSpec]) -> None:
        self.facts = facts
        self.errors: list[tuple[str, int, str]] = []
        self.expressions = ExpressionChecker(facts)
        self.path = ""  # the file being loaded
        self.pillar_sources: dict[str, str] = {}
        self.category_sources: dict[str, str] = {}

    def error(self, line: int, message: str, path: str | None = None) -> None:
        """Record an error at ``line`` of ``path`` (default: the file being loaded)."""
        self.errors.append((path or self.path, line, message))

    def report(self) -> str:
        """Every error, one ``path:line: message`` a line, in file order then line order."""
        files = {path: index for index, (path, _, _) in reversed(list(enumerate(self.errors)))}
        ordered = sorted(self.errors, key=lambda e: (files[e[0]], e[1]))
        return "\n".join(f"{path}:{line}: {message}" for path, line, message in ordered)

    # --- structure ---------------------------------------------------------------------------

    def load_file(self, path: str, data: bytes) -> tuple[int, Pillar] | None:
        self.path = path
        try:
            doc = safeyaml.load(data)
        except safeyaml.YamlError as exc:
            self.error(exc.line or 1, f"YAML syntax error: {exc.detail}")
            return None
        if not isinstance(doc, safeyaml.YamlMap):
            self.error(1, "a rule file must be a mapping with pillar, name, categories")
            return None
        self.check_keys(doc, _FILE_KEYS, "rule file")
        pillar_id = self.ident(doc, "pillar")
        if pillar_id is not None:
            self.unique(
                self.pillar_sources, "pillar", pillar_id, f"{self.path}:{doc.line_of('pillar')}"
            )
        order = doc.get("order", 100)
        if not isinstance(order, int) or isinstance(order, bool):
            self.error(doc.line_of("order"), f"order must be an integer, not {order!r}")
            order = 100
        categories: list[Category] = []
        raw_categories = doc.get("categories")
        if not isinstance(raw_categories, list) or not raw_categories:
            if "categories" in doc:
                self.error(doc.line_of("categories"), "categories must be a non-empty list")
            raw_categories = []
        for raw in raw_categories:
            if not isinstance(raw, safeyaml.YamlMap):
                self.error(doc.line_of("categories"), "each category must be a mapping")
                continue
            category = self.category(raw, pillar_id or "")
            if category is not None:
                categories.append(category)
        pillar = Pillar(
            id=pillar_id or "",
            name=self.text(doc, "name") or "",
            description=self.text(doc, "description") or "",
            categories=tuple(categories),
        )
        return order, pillar

    def category(self, raw: safeyaml.YamlMap, pillar: str) -> Category | None:
        source = f"{self.path}:{raw.line}"
        self.check_keys(raw, _CATEGORY_KEYS, "category")
        category_id = self.ident(raw, "id")
        if category_id is not None:
            self.unique(self.category_sources, "category", category_id, source)
        guidance = self.text(raw, "guidance")
        if guidance is not None and not guidance.startswith(("https://", "http://")):
            self.error(raw.line_of("guidance"), f"guidance must be a URL, not {guidance!r}")
        definitions = self.by_level(raw, "definitions", (Level.RED, *_CRITERION_LEVELS))
        remediation = self.by_level(raw, "remediation", _CRITERION_LEVELS)
        criteria = self.criteria(raw)
        tiers = self.tiers(raw)
        if category_id is None:
            return None
        return Category(
            id=category_id,
            name=self.text(raw, "name") or "",
            pillar=pillar,
            definitions=definitions,
            guidance=guidance or "",
            remediation=remediation,
            tiers=tiers,
            criteria=criteria,
            source=source,
            rationale=self.text(raw, "rationale") or "",
        )

    def tiers(self, raw: safeyaml.YamlMap) -> tuple[Tier, ...] | None:
        if "tiers" not in raw:
            return None
        line, values = raw.line_of("tiers"), raw["tiers"]
        if not isinstance(values, list) or not values:
            self.error(line, "tiers must be a non-empty list of tier names")
            return None
        tiers: list[Tier] = []
        for value in values:
            try:
                tiers.append(Tier(value))
            except ValueError:
                known = ", ".join(t.value for t in Tier)
                self.error(line, f"unknown tier {value!r}; tiers are {known}")
        return tuple(tiers)

    def by_level(
        self, raw: safeyaml.YamlMap, key: str, levels: tuple[Level, ...]
    ) -> dict[Level, str]:
        section = raw.get(key)
        if not isinstance(section, safeyaml.YamlMap):
            if key in raw:
                self.error(raw.line_of(key), f"{key} must be a mapping of level to text")
            return {}
        names = {level.value for level in levels}
        self.check_keys(section, (names, set()), key, what="level", line=raw.line_of(key))
        return {lv: str(section[lv.value]).strip() for lv in levels if section.get(lv.value)}

    def criteria(self, raw: safeyaml.YamlMap) -> tuple[Criterion, ...]:
        section = raw.get("criteria")
        if not isinstance(section, safeyaml.YamlMap):
            if "criteria" in raw:
                self.error(raw.line_of("criteria"), "criteria must be a mapping by level")
            return ()
        names = {level.value for level in _CRITERION_LEVELS}
        self.check_keys(section, (set(), names), "criteria", what="level")
        seen: dict[str, str] = {}
        result: list[Criterion] = []
        for level in _CRITERION_LEVELS:
            items = section.get(level.value) or []
            if not isinstance(items, list):
                self.error(section.line_of(level.value), "criteria must be a list")
                continue
            for item in items:
                if not isinstance(item, safeyaml.YamlMap):
                    self.error(section.line_of(level.value), "a criterion must be a mapping")
                    continue
                criterion = self.criterion(item, level)
                if criterion is not None:
                    self.unique(seen, "criterion", criterion.id, criterion.source)
                    result.append(criterion)
        return tuple(result)

    def criterion(self, raw: safeyaml.YamlMap, level: Level) -> Criterion | None:
        self.check_keys(raw, _CRITERION_KEYS, "criterion")
        criterion_id = self.ident(raw, "id")
        description = self.text(raw, "description")
        expression = self.text(raw, "expr")
        effective_from = self.date(raw, "effective_from")
        if criterion_id is None or expression is None:
            return None
        checked = self.expressions.check(criterion_id, expression)
        for problem in checked.problems:
            self.error(raw.line_of("expr"), problem)
        if checked.program is None:
            return None
        return Criterion(
            id=criterion_id,
            level=level,
            expression=expression,
            description=description or "",
            facts=checked.facts,
            effective_from=effective_from,
            source=f"{self.path}:{raw.line}",
            program=checked.program,
        )

    # --- scalars -----------------------------------------------------------------------------

    def check_keys(
        self,
        raw: safeyaml.YamlMap,
        keys: tuple[set[str], set[str]],
        where: str,
        what: str = "key",
        line: int | None = None,
    ) -> None:
        """Report missing keys (at ``line``, else where the mapping starts) and unknown keys."""
        required, optional = keys
        allowed = required | optional
        misspelt: set[str] = set()  # a missing key reported as a typo is not reported twice
        for key in raw:
            if key not in allowed:
                name = str(key)  # YAML may type a key (true, 1); report it as text
                close = difflib.get_close_matches(name, sorted(allowed - raw.keys()), n=1)
                misspelt.update(close)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                expected = ", ".join(sorted(allowed))
                self.error(
                    raw.line_of(key),
                    f"unknown {what} {name!r} in {where}{hint} (expected: {expected})",
                )
        for key in sorted(required - raw.keys() - misspelt):
            self.error(line or raw.line, f"{where} is missing required {what} {key!r}")

    def text(self, raw: safeyaml.YamlMap, key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(raw.line_of(key), f"{key} must be non-empty text, not {value!r}")
            return None
        return value.strip()

    def ident(self, raw: safeyaml.YamlMap, key: str) -> str | None:
        value = self.text(raw, key)
        if value is not None and not _ID.match(value):
            self.error(raw.line_of(key), f"{key} {value!r} must be lower-case kebab or snake case")
            return None
        return value

    def date(self, raw: safeyaml.YamlMap, key: str) -> date | None:
        value = raw.get(key)
        if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.error(raw.line_of(key), f"{key} must be a date YYYY-MM-DD, not {value!r}")
            return None

    def unique(self, seen: dict[str, str], kind: str, value: str, source: str) -> None:
        if value in seen:
            path, _, line = source.rpartition(":")
            self.error(int(line), f"duplicate {kind} id {value!r} (also at {seen[value]})", path)
        else:
            seen[value] = source
