"""The hooks a fundamentals plugin may implement.

A plugin is a module or object registered under the ``fundamentals`` entry-point group. The
built-in probes in ``probes/`` are registered exactly like a third-party package's.

All hooks are called once per process, at start-up, when the plugin manager is built. Each
returns a list; pluggy collects the lists of every plugin, and ``scanner.plugins`` validates the
union (unique ids, facts declared once, rule packs readable) before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from scanner.collect import Collector
    from scanner.probe import Probe

hookspec = pluggy.HookspecMarker("fundamentals")
hookimpl = pluggy.HookimplMarker("fundamentals")


# --- registration: what a plugin provides -----------------------------------------------------


@hookspec
def fundamentals_probes() -> list[Probe]:
    """Return the probes this plugin provides.

    Each probe declares its id, version, the target kind it inspects and the facts it emits.
    Probe ids and fact keys must be unique across all plugins; a duplicate stops start-up with
    an error naming both plugins.
    """
    raise NotImplementedError


@hookspec
def fundamentals_collectors() -> list[Collector]:
    """Return collectors: the once-per-target readers whose result every probe shares.

    A collector declares the target kind it reads (e.g. ``repository``) and turns a target
    into a snapshot. At most one collector per target kind may be registered.
    """
    raise NotImplementedError


@hookspec
def fundamentals_rule_packs() -> list[Path]:
    """Return directories (or files) of rules as data to load, in addition to the default pack.

    Every rule is validated against the facts the installed probes declare.
    """
    raise NotImplementedError
