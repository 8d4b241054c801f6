"""YAML loading: line-aware mappings, strictness on keys, refusal of documents built to exhaust
memory. One loader serves both the rule files and the scanned repository's files."""

from __future__ import annotations

import time
from datetime import date

import pytest

from scanner.safeyaml import YamlError, YamlMap, load, load_all


def test_mappings_remember_their_lines_and_their_keys_lines() -> None:
    document = load("name: ci\njobs:\n  build:\n    steps:\n      - run: make\n")

    assert isinstance(document, YamlMap)
    assert document.line == 1
    assert document.line_of("jobs") == 2
    assert document["jobs"]["build"].line == 4
    assert document["jobs"]["build"]["steps"][0].line == 5


def test_merge_keys_and_ordinary_aliases_still_work() -> None:
    document = load("base: &base {image: alpine}\njob:\n  <<: *base\n  script: make\n")

    assert document["job"] == {"image": "alpine", "script": "make"}


def test_a_merged_key_may_be_overridden_but_an_own_key_not_repeated() -> None:
    text = "base: &base {image: alpine, tag: 1}\njob:\n  <<: *base\n  image: debian\n"
    assert load(text)["job"] == {"image": "debian", "tag": 1}

    # b is flattened while c is, before b itself is built: its x still overrides a's.
    nested = "a: &a {x: 1}\nc:\n  <<: &b {<<: *a, x: 2}\nd: *b\n"
    assert load(nested)["d"] == {"x": 2}


def test_a_repeated_key_is_refused_at_its_second_line() -> None:
    with pytest.raises(YamlError, match="duplicate key 'b' \\(first on line 2\\)") as repeated:
        load("a: 1\nb: 2\nc:\n  d: 3\nb: 4\n")

    assert repeated.value.line == 5
    assert repeated.value.detail.startswith("duplicate key")


def test_keys_keep_the_type_yaml_gives_them() -> None:
    document = load("on: push\n2: two\n")

    assert document == {True: "push", 2: "two"}
    assert document.line_of(True) == 1


def test_a_date_that_is_not_a_date_stays_text() -> None:
    assert load("a: 2025-06-01\nb: 2025-13-01\n") == {"a": date(2025, 6, 1), "b": "2025-13-01"}


def test_all_documents_of_a_stream_are_loaded() -> None:
    assert load_all("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]
    assert load("") is None
    assert load(b"a: 1\n") == {"a": 1}


def test_load_wants_a_single_document() -> None:
    with pytest.raises(YamlError, match="single document") as several:
        load("a: 1\n---\nb: 2\n")

    assert several.value.line == 2


def test_a_billion_laughs_document_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    started = time.perf_counter()

    with pytest.raises(YamlError, match="YAML bomb") as refused:
        load("\n".join(lines))

    assert time.perf_counter() - started < 0.5
    assert refused.value.line is not None


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlError, match="recursive alias"):
        load("loop: &loop [1, *loop]\n")


def test_absurd_nesting_is_refused() -> None:
    deep = "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + "  " * 300 + "leaf\n"

    with pytest.raises(YamlError, match="nesting"):
        load(deep)


def test_a_malformed_document_reports_its_line() -> None:
    with pytest.raises(YamlError, match="malformed YAML") as malformed:
        load("a: 1\nb:\n  - x\n - y\n")

    assert malformed.value.line == 4
    assert "\n" not in str(malformed.value)


def test_python_tags_are_not_constructed() -> None:
    with pytest.raises(YamlError):
        load("x: !!python/object/apply:os.system ['echo owned']\n")
