"""Does the service log in a structured (machine-readable) form?"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from probes.observations import boolean, dependencies_matching, first
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.repository import Match, RepoSnapshot

FACTS = (
    FactSpec(
        "logging.structured",
        "bool",
        "A structured logging library or JSON log formatter is used (Serilog, structlog, "
        "logstash-logback-encoder, winston, pino, zap, zerolog, slog JSON, AddJsonConsole …).",
    ),
)

LIBRARIES = {
    "nuget": (r"Serilog(\..+)?", r"NLog\.StructuredLogging\.Json", r"Elastic\.CommonSchema\..+"),
    "maven": (
        r"net\.logstash\.logback:logstash-logback-encoder",
        r"org\.apache\.logging\.log4j:log4j-layout-template-json",
        r"co\.elastic\.logging:.+",
        r"ch\.qos\.logback\.contrib:logback-json-.+",
    ),
    "pypi": (r"structlog", r"python-json-logger", r"ecs-logging", r"json-log-formatter"),
    "npm": (r"winston", r"pino", r"pino-http", r"bunyan", r"@elastic/ecs-[\w-]+-format"),
    "go": (
        r"go\.uber\.org/zap",
        r"github\.com/rs/zerolog",
        r"github\.com/sirupsen/logrus",
        r"github\.com/apex/log",
    ),
}
_CODE = (
    (re.compile(r"\.AddJsonConsole\s*\(|\bJsonConsoleFormatter\b"), (".cs",)),
    (re.compile(r'"FormatterName"\s*:\s*"json"', re.IGNORECASE), (".json",)),
    (re.compile(r"\bslog\.NewJSONHandler\s*\("), (".go",)),
    (re.compile(r"^\s*(from\s+pythonjsonlogger\b|import\s+pythonjsonlogger\b)", re.M), (".py",)),
)
# Logback / Log4j 2 configuration that writes JSON.
_JAVA_CONFIG = re.compile(r"(logback|log4j2).*\.xml")
_JSON_ENCODERS = re.compile(
    r"LogstashEncoder|LoggingEventCompositeJsonEncoder|encoder\.JsonEncoder|EcsEncoder"
    r"|^(JsonTemplateLayout|JsonLayout|EcsLayout)$"
)


def _java_config(snapshot: RepoSnapshot) -> Iterator[Locator]:
    for path in snapshot.files_named(_JAVA_CONFIG):
        root = snapshot.read_xml(path)
        for node in root.iter() if root else ():
            if _JSON_ENCODERS.search(node.get("class")) or _JSON_ENCODERS.search(node.tag):
                yield Locator(path=path, line=node.line)
                break


def _grep(
    snapshot: RepoSnapshot, pattern: re.Pattern[str], suffixes: tuple[str, ...]
) -> Callable[[], list[Match | None]]:
    return lambda: [snapshot.grep(pattern, suffixes=suffixes)]


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = first(
        lambda: dependencies_matching(snapshot, LIBRARIES),
        lambda: _java_config(snapshot),
        *(_grep(snapshot, pattern, suffixes) for pattern, suffixes in _CODE),
    )
    problems = snapshot.dependency_problems() + snapshot.problems_in(
        snapshot.files_named(_JAVA_CONFIG)
    )
    yield boolean("logging.structured", found, problems)


PROBE = Probe(
    id="structured-logging",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for structured-logging libraries in manifests, JSON encoders in "
    "logback/log4j2 configuration, and JSON console formatters in code and settings.",
)
