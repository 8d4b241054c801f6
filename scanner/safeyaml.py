"""YAML loading that is safe on hostile input and remembers where each mapping came from.

One loader for both kinds of YAML the scanner reads: the framework's rule files and the files of
a scanned repository. PyYAML's SafeLoader builds only plain data, but it shares aliased nodes, so
a small "billion laughs" document becomes an enormous tree the moment anything walks it. Every
document is therefore composed first and its expanded size measured over the node graph
(memoised, so the measurement itself is linear) before any Python object is built.

Beyond PyYAML's safe loader, a mapping may not repeat a key (YAML would silently keep the last;
GitHub Actions, Azure Pipelines and go-yaml reject it), and a date-shaped scalar that is not a
real date (``2025-13-01``) stays text instead of failing the whole document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import yaml

# libyaml's parser when available: the pure-Python one takes ~25 ms for the default rule pack.
if TYPE_CHECKING or not hasattr(yaml, "CSafeLoader"):
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = yaml.CSafeLoader

MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 200

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlError(ValueError):
    """A document that is malformed or refused.

    ``line`` is 1-based when known; ``detail`` is the reason as one short phrase, without the
    ``malformed YAML:`` prefix that ``str()`` carries.
    """

    def __init__(self, message: str, line: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.detail = detail or message


class YamlMap(dict[Any, Any]):
    """A YAML mapping that knows its own line and the line of each of its keys (both 1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line of ``key`` if present, else the line the mapping starts on."""
        key_lines: dict[Any, int] = getattr(self, "key_lines", {})  # unset on a bare YamlMap()
        return key_lines.get(key, self.line)


class _LineLoader(_BaseLoader):
    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        # Per mapping node (by id): how many of its flattened pairs came in through "<<".
        self.inherited: dict[int, int] = {}

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Resolve "<<" merge keys, remembering how many pairs were merged in (listed first).

        PyYAML also flattens merged-in mappings, possibly before they are constructed, so the
        count is taken the first time a node is flattened.
        """
        own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        super().flatten_mapping(node)
        self.inherited.setdefault(id(node), len(node.value) - own)


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[YamlMap]:
    data = YamlMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    # Keys merged in through "<<" may be overridden by the mapping's own keys; only the
    # mapping's own keys must be unique.
    inherited = loader.inherited[id(node)]
    own_lines: dict[Any, int] = {}
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from None
        line = key_node.start_mark.line + 1
        if index >= inherited:
            if key in own_lines:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {own_lines[key]})",
                    key_node.start_mark,
                )
            own_lines[key] = line
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    """A date-shaped scalar that is not a date (2025-13-01) stays text, for the caller to judge."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load(text: str | bytes) -> Any:
    """The single document of ``text`` (None when empty). Raises :class:`YamlError`.

    A stream of several documents is an error here, as with ``yaml.safe_load``; use
    :func:`load_all` where several are allowed.
    """
    documents = _load(text, single=True)
    return documents[0] if documents else None


def load_all(text: str | bytes) -> list[Any]:
    """Every document of ``text``, mappings as :class:`YamlMap`. Raises :class:`YamlError`."""
    return _load(text, single=False)


def _load(text: str | bytes, single: bool) -> list[Any]:
    loader = _LineLoader(text)
    documents: list[Any] = []
    try:
        nodes: Iterable[yaml.Node]
        if single:
            node = loader.get_single_node()
            nodes = [node] if node is not None else []
        else:
            nodes = _nodes(loader)
        for node in nodes:
            check_node(node)
            documents.append(loader.construct_document(node))
    except YamlError:
        raise
    except yaml.YAMLError as error:
        detail = error_message(error)
        raise YamlError(f"malformed YAML: {detail}", error_line(error), detail) from None
    except (RecursionError, ValueError, TypeError, OverflowError) as error:
        raise YamlError(f"malformed YAML: {error}", None, str(error)) from None
    finally:
        loader.dispose()
    return documents


def _nodes(loader: _LineLoader) -> Iterator[yaml.Node]:
    """Each document's node in turn, composed only when asked for."""
    while loader.check_node():
        node = loader.get_node()
        if node is None:
            return
        yield node


def check_node(node: yaml.Node, max_nodes: int = MAX_EXPANDED_NODES) -> None:
    """Refuse a composed document whose aliases expand too far, recurse, or nest too deep.

    Iterative post-order walk with memoisation by node identity: a node reached again through
    an alias costs a dictionary look-up, not a second walk.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, children_done = stack.pop()
        key = id(current)
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(current))
            if total > max_nodes:
                raise YamlError(
                    f"refused: aliases expand to more than {max_nodes} nodes (YAML bomb?)",
                    current.start_mark.line + 1,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlError("refused: recursive alias", current.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise YamlError(
                f"refused: nesting deeper than {MAX_DEPTH}", current.start_mark.line + 1
            )
        on_path.add(key)
        stack.append((current, depth, True))
        for child in _children(current):
            if id(child) in on_path:
                raise YamlError("refused: recursive alias", child.start_mark.line + 1)
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def error_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line a PyYAML error points at, or None when it carries no mark."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def error_message(error: yaml.YAMLError) -> str:
    """A PyYAML error as one short phrase, without its multi-line excerpt of the source."""
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem:
        return f"{context}: {problem}" if context else str(problem)
    return str(error).splitlines()[0]
