"""Plugin loading and start-up validation."""

from __future__ import annotations

import pluggy
import pytest

from scanner import hookspecs
from scanner.collect import Collector
from scanner.errors import PluginError
from scanner.hookspecs import hookimpl
from scanner.models import FactSpec, Observation
from scanner.plugins import build_registry, make_plugin_manager
from scanner.probe import Probe


def _probe(probe_id: str, *keys: str, kind: str = "repository") -> Probe:
    return Probe(
        id=probe_id,
        version="1",
        target_kind=kind,
        facts=tuple(FactSpec(k, "bool", f"{k} meaning") for k in keys),
        observe=lambda snapshot: [Observation(k, True) for k in keys],
    )


class _Plugin:
    def __init__(self, *probes: Probe, collectors: tuple[Collector, ...] = ()) -> None:
        self._probes = list(probes)
        self._collectors = list(collectors)

    @hookimpl
    def fundamentals_probes(self):
        return self._probes

    @hookimpl
    def fundamentals_collectors(self):
        return self._collectors


def _pm(**plugins) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("fundamentals")
    pm.add_hookspecs(hookspecs)
    for name, plugin in plugins.items():
        pm.register(plugin, name=name)
    return pm


FAKE = Collector(kind="repository", collect=lambda target: object())


def test_builtin_probes_register_through_the_plugin_manager():
    registry = build_registry(make_plugin_manager(autoload=False))
    assert registry.probes, "the built-in probes package registers probes"
    assert "repository" in registry.collectors
    assert set(registry.plugin_of.values()) == {"builtin"}
    # every declared fact is unique and typed
    assert len(registry.facts) == sum(len(p.facts) for p in registry.probes)


def test_builtins_are_also_an_installed_entry_point():
    from importlib.metadata import entry_points

    assert [ep.value for ep in entry_points(group="fundamentals")] == ["probes"]


def test_duplicate_probe_id_names_both_plugins():
    pm = _pm(
        first=_Plugin(_probe("docs", "a.x"), collectors=(FAKE,)),
        second=_Plugin(_probe("docs", "b.x")),
    )
    with pytest.raises(PluginError, match="'docs' is registered by both 'first' and 'second'"):
        build_registry(pm)


def test_fact_declared_twice_names_both_probes():
    pm = _pm(
        first=_Plugin(_probe("one", "a.x"), collectors=(FAKE,)),
        second=_Plugin(_probe("two", "a.x")),
    )
    with pytest.raises(
        PluginError,
        match=r"'a.x' is declared by probe 'one' \(first\) and by probe 'two' \(second\)",
    ):
        build_registry(pm)


def test_probe_for_a_kind_without_collector_is_rejected():
    pm = _pm(only=_Plugin(_probe("azure", "az.x", kind="azure")))
    with pytest.raises(PluginError, match="no collector is registered"):
        build_registry(pm)


def test_two_collectors_for_one_kind_are_rejected():
    pm = _pm(a=_Plugin(collectors=(FAKE,)), b=_Plugin(collectors=(FAKE,)))
    with pytest.raises(PluginError, match="collectors from both 'a' and 'b'"):
        build_registry(pm)


def test_fact_types_are_checked_when_declared():
    with pytest.raises(ValueError, match="is not one of"):
        FactSpec("a.x", "dict", "no such type")
