"""Our own small exception hierarchy. The CLI turns each into one line and an exit code."""

from __future__ import annotations


class FundamentalsError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 3


class InputError(FundamentalsError):
    """Bad input from the user: a path, a config, a rules file, an option. Exit code 2."""

    exit_code = 2


class ConfigError(InputError):
    """The configuration file is malformed or invalid."""


class RulesError(InputError):
    """A rules file is malformed or refers to something that does not exist."""


class CatalogError(InputError):
    """A service is unknown or a catalog entry is invalid."""


class PluginError(FundamentalsError):
    """A plugin failed to load or declared something invalid."""


class StoreError(FundamentalsError):
    """The database cannot be opened, migrated or written. Exit code 3."""
