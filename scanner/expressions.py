"""Criterion expressions: compiling the CEL of a rule and checking it against the declared facts.

Every expression is checked when the rules load, so a scan never meets a broken one: it must
parse, name only declared facts (not a namespace of them, not a typo), and evaluate to a boolean
when each fact holds a placeholder value of its declared type.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cel

from scanner.models import FactSpec

# Placeholder values per declared fact type, used to type-check every expression at load time.
_PLACEHOLDERS: tuple[dict[str, Any], ...] = (
    {"bool": True, "int": 1, "float": 1.5, "str": "x", "list[str]": ["x"]},
    {"bool": False, "int": 1, "float": 1.5, "str": "x", "list[str]": ["x"]},
)


@dataclass(frozen=True)
class CheckedExpression:
    """The outcome of checking one expression.

    ``program`` is None when the expression cannot be used at all (it does not parse, or names
    something that is not a declared fact); ``problems`` may be non-empty even when it is set.
    """

    program: cel.Program | None
    facts: tuple[str, ...]  # declared fact keys the expression references, sorted
    problems: tuple[str, ...]


class ExpressionChecker:
    """Checks criterion expressions against one set of declared facts."""

    def __init__(self, facts: Mapping[str, FactSpec]) -> None:
        self.facts = facts
        self.namespaces = {k.rsplit(".", i)[0] for k in facts for i in range(1, k.count(".") + 1)}
        self.contexts = [cel.Context(_placeholder_context(facts, v)) for v in _PLACEHOLDERS]

    def check(self, criterion_id: str, expression: str) -> CheckedExpression:
        """Compile ``expression`` and report everything wrong with it, one message a problem."""
        try:
            program = cel.compile(expression)
        except (ValueError, RuntimeError) as exc:
            problem = f"CEL syntax error in {criterion_id}: {_cel_message(exc)}"
            return CheckedExpression(None, (), (problem,))
        references, problems = self.fact_references(expression, program)
        if problems:
            return CheckedExpression(None, (), problems)
        type_error = self.type_check(criterion_id, program)
        return CheckedExpression(program, references, (type_error,) if type_error else ())

    def fact_references(
        self, expression: str, program: cel.Program
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The declared facts an expression references, and a problem for each that is not."""
        bound = set(_BINDING.findall(_blank_strings(expression)))
        roots = set(program.variables()) - bound
        found: set[str] = set()
        problems: list[str] = []
        for reference in _dotted_references(expression, roots):
            key = self.longest_fact(reference)
            if key is not None:
                found.add(key)
                continue
            what = (
                "a namespace, not a fact" if reference in self.namespaces else "an undeclared fact"
            )
            problems.append(f"{reference!r} is {what}; {self.suggest(reference)}")
        return tuple(sorted(found)), tuple(problems)

    def longest_fact(self, reference: str) -> str | None:
        parts = reference.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.facts:
                return candidate
        return None

    def suggest(self, reference: str) -> str:
        close = difflib.get_close_matches(reference, list(self.facts), n=1, cutoff=0.5)
        if close:
            return f"did you mean {close[0]!r}?"
        return "no declared fact is close; see `fundamentals probes` for the declared facts"

    def type_check(self, criterion_id: str, program: cel.Program) -> str | None:
        """Why ``program`` is not a boolean expression over the declared types, or None."""
        for context in self.contexts:
            try:
                value = program.execute(context)
            except Exception as exc:  # noqa: BLE001 - any failure on well-typed input is a bug
                return f"type error in {criterion_id}: {_cel_message(exc)}"
            if not isinstance(value, bool):
                kind = type(value).__name__
                return f"{criterion_id} must be a boolean expression, not {kind}"
        return None


_STRING = re.compile(r"""(?:[rRbB]{0,2})("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")
_BINDING = re.compile(r"\.\s*(?:exists_one|exists|all|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)(\s*\()?")


def _blank_strings(expression: str) -> str:
    """The expression with string literals blanked, so their text is not read as names."""
    return _STRING.sub(lambda m: " " * len(m.group(0)), expression)


def _dotted_references(expression: str, roots: Iterable[str]) -> list[str]:
    """Dotted names rooted at ``roots``, without trailing method calls (``.exists(``)."""
    roots = set(roots)
    found: list[str] = []
    for match in _CHAIN.finditer(_blank_strings(expression)):
        parts = [p.strip() for p in match.group(1).split(".")]
        if match.group(2):  # a call: drop the function or method name
            parts = parts[:-1]
        if parts and parts[0] in roots:
            found.append(".".join(parts))
    return found


def _placeholder_context(facts: Mapping[str, FactSpec], values: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for key, spec in facts.items():
        *parents, leaf = key.split(".")
        node = context
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(leaf, values[spec.type])
    return context


def _cel_message(exc: BaseException) -> str:
    """CEL's error text on one line, without the source excerpt of a parse error."""
    text = str(exc.args[0]) if exc.args else str(exc)
    text = text.replace("Failed to parse expression", "cannot parse")
    text = re.sub(r"ERROR: <input>:\d+:(\d+): ", r"column \1: ", text)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("|")]
    return " ".join(lines)[:300]
