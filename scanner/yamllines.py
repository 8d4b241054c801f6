"""A safe YAML loader whose mappings remember the line they start on, so errors can say where.

Only used for the framework's rule files; repository files have their own loader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping from a YAML file. ``line`` is where it starts; ``key_lines`` where each key is."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key`` if present, else the line the mapping starts on."""
        return self.key_lines.get(key, self.line)


# libyaml's parser when available: the pure-Python one takes ~25 ms for the default pack.
if TYPE_CHECKING or not hasattr(yaml, "CSafeLoader"):
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = yaml.CSafeLoader


class LineLoader(_SafeLoader):
    """A safe loader that builds :class:`LineDict` and rejects duplicate keys (YAML keeps one)."""

    def construct_line_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if not isinstance(key, str):
                key = str(key)
            line = key_node.start_mark.line + 1
            if key in mapping.key_lines:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {mapping.key_lines[key]})",
                    key_node.start_mark,
                )
            mapping.key_lines[key] = line
            mapping[key] = self.construct_object(value_node, deep=deep)  # type: ignore[no-untyped-call]
        return mapping


LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    LineLoader.construct_line_mapping,  # type: ignore[arg-type]
)


def load(text: str | bytes) -> Any:
    """Parse one YAML document. Raises ``yaml.YAMLError`` (with a mark) on bad input."""
    return yaml.load(text, Loader=LineLoader)  # noqa: S506 - LineLoader is a SafeLoader


def error_line(exc: yaml.YAMLError) -> int:
    """The 1-based line a YAML error points at (1 when it carries no mark)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def error_message(exc: yaml.YAMLError) -> str:
    """The YAML error as one short phrase, without PyYAML's multi-line excerpt."""
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        return f"{context}: {problem}" if context else str(problem)
    return str(exc).splitlines()[0]
