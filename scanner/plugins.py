"""Loading plugins and validating what they register.

Plugins (the built-in ``probes`` package included) are found through the ``fundamentals``
entry-point group. Set ``FUNDAMENTALS_DISABLE_PLUGIN_AUTOLOAD=1`` to load only the built-ins
(the test suite does, so an unrelated installed plugin cannot change its results).
"""

from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from scanner import hookspecs
from scanner.collect import Collector
from scanner.errors import PluginError
from scanner.models import FactSpec
from scanner.probe import Probe

ENTRY_POINT_GROUP = "fundamentals"
BUILTIN_MODULE = "probes"
DISABLE_AUTOLOAD_ENV = "FUNDAMENTALS_DISABLE_PLUGIN_AUTOLOAD"


@dataclass(frozen=True)
class Registry:
    """Everything the installed plugins provide, validated."""

    probes: tuple[Probe, ...]
    collectors: dict[str, Collector]
    facts: dict[str, FactSpec]
    fact_probe: dict[str, Probe]
    rule_paths: tuple[Path, ...]
    plugin_of: dict[str, str]  # probe id -> plugin name, for messages

    def facts_for_kinds(self, kinds: set[str]) -> frozenset[str]:
        """Fact keys that some probe handling one of ``kinds`` can provide."""
        return frozenset(
            spec.key for probe in self.probes if probe.target_kind in kinds for spec in probe.facts
        )


def make_plugin_manager(autoload: bool | None = None) -> pluggy.PluginManager:
    """A fresh plugin manager with the built-ins and, unless disabled, installed plugins."""
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    if autoload is None:
        autoload = not os.environ.get(DISABLE_AUTOLOAD_ENV)
    if autoload:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken third-party plugin must say who it is
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
            pm.register(plugin, name=ep.name)
    builtin = importlib.import_module(BUILTIN_MODULE)
    if not pm.is_registered(builtin):  # autoload off, or the package is not installed
        pm.register(builtin, name="builtin")
    return pm


def build_registry(pm: pluggy.PluginManager) -> Registry:
    """Collect every plugin's probes, collectors and rule packs; reject duplicates."""
    probes: dict[str, Probe] = {}
    plugin_of: dict[str, str] = {}
    facts: dict[str, FactSpec] = {}
    fact_probe: dict[str, Probe] = {}
    collectors: dict[str, Collector] = {}
    collector_plugin: dict[str, str] = {}
    rule_paths: list[Path] = []

    for impl in pm.hook.fundamentals_probes.get_hookimpls():
        name = impl.plugin_name
        for probe in _returned(impl):
            if not isinstance(probe, Probe):
                raise PluginError(f"plugin {name!r} returned {probe!r}, which is not a Probe")
            if probe.id in probes:
                raise PluginError(
                    f"probe id {probe.id!r} is registered by both {plugin_of[probe.id]!r} "
                    f"and {name!r}"
                )
            probes[probe.id] = probe
            plugin_of[probe.id] = name
            for spec in probe.facts:
                if spec.key in facts:
                    other = fact_probe[spec.key]
                    raise PluginError(
                        f"fact {spec.key!r} is declared by probe {other.id!r} "
                        f"({plugin_of[other.id]}) and by probe {probe.id!r} ({name})"
                    )
                facts[spec.key] = spec
                fact_probe[spec.key] = probe

    for impl in pm.hook.fundamentals_collectors.get_hookimpls():
        for collector in _returned(impl):
            if collector.kind in collectors:
                raise PluginError(
                    f"target kind {collector.kind!r} has collectors from both "
                    f"{collector_plugin[collector.kind]!r} and {impl.plugin_name!r}"
                )
            collectors[collector.kind] = collector
            collector_plugin[collector.kind] = impl.plugin_name

    for probe in probes.values():
        if probe.target_kind not in collectors:
            raise PluginError(
                f"probe {probe.id!r} ({plugin_of[probe.id]}) inspects target kind "
                f"{probe.target_kind!r}, for which no collector is registered"
            )

    for impl in pm.hook.fundamentals_rule_packs.get_hookimpls():
        for path in _returned(impl):
            path = Path(path)
            if not path.exists():
                raise PluginError(
                    f"plugin {impl.plugin_name!r} names a rule pack {path} that does not exist"
                )
            rule_paths.append(path)

    return Registry(
        probes=tuple(sorted(probes.values(), key=lambda p: p.id)),
        collectors=collectors,
        facts=dict(sorted(facts.items())),
        fact_probe=fact_probe,
        rule_paths=tuple(rule_paths),
        plugin_of=plugin_of,
    )


def _returned(impl: pluggy.HookImpl) -> list[Any]:
    """Call one plugin's hook implementation; None means it provides nothing."""
    returned: Any = impl.function()
    return list(returned or [])


@functools.cache
def default_registry() -> Registry:
    """The registry of this process, loaded lazily, once."""
    return build_registry(make_plugin_manager())
