"""Direct dependencies declared in manifests: what a team chose to depend on.

Lock files (package-lock.json, poetry.lock, go.sum, packages.lock.json …) are deliberately not
read: they list transitive dependencies, and a library pulled in by another is not a choice the
team made. Each parser takes a manifest's path and text and returns :class:`Dependency` values;
a manifest it cannot understand raises :class:`ManifestError` with the line of the fault.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from scanner.repository import xmlread


@dataclass(frozen=True)
class Dependency:
    """One direct dependency. ``name`` is in the ecosystem's own form: ``group:artifact`` for
    Maven, the module path for Go, the canonical (PEP 503) name for PyPI."""

    ecosystem: str  # nuget, maven, pypi, npm, go
    name: str
    path: str
    line: int | None = None


class ManifestError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


Parser = Callable[[str, str], list[Dependency]]


def _line_index(text: str) -> list[str]:
    return text.splitlines()


def _find_line(lines: list[str], needle: str, start: int = 0) -> int | None:
    """1-based number of the first line at or after ``start`` (0-based) containing ``needle``."""
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    return None


# --- .NET ----------------------------------------------------------------------------------------


def parse_msbuild(path: str, text: str) -> list[Dependency]:
    """PackageReference / PackageVersion / GlobalPackageReference items in an MSBuild file."""
    root = _xml(text)
    found = []
    for tag in ("PackageReference", "PackageVersion", "GlobalPackageReference"):
        for node in root.iter(tag):
            name = node.get("Include") or node.get("Update")
            if name:
                found.append(Dependency("nuget", name, path, node.line))
    return sorted(found, key=lambda d: d.line or 0)


def parse_packages_config(path: str, text: str) -> list[Dependency]:
    root = _xml(text)
    return [
        Dependency("nuget", node.get("id"), path, node.line)
        for node in root.iter("package")
        if node.get("id")
    ]


def _xml(text: str) -> xmlread.XmlNode:
    try:
        return xmlread.parse(text.encode("utf-8"))
    except xmlread.XmlError as error:
        raise ManifestError(str(error), error.line) from None


# --- Java ----------------------------------------------------------------------------------------


def parse_pom(path: str, text: str) -> list[Dependency]:
    """``<dependency>`` elements a build uses, not those only pinned in dependencyManagement
    or given to a plugin."""
    root = _xml(text)
    found: list[Dependency] = []
    stack: list[tuple[xmlread.XmlNode, bool]] = [(root, False)]
    while stack:
        node, excluded = stack.pop()
        excluded = excluded or node.tag in ("dependencyManagement", "plugin", "exclusions")
        if node.tag == "dependency" and not excluded:
            group, artifact = node.child_text("groupId"), node.child_text("artifactId")
            if artifact:
                found.append(Dependency("maven", f"{group}:{artifact}", path, node.line))
            continue
        stack.extend((child, excluded) for child in node.children)
    return sorted(found, key=lambda d: d.line or 0)


# Gradle build scripts are Groovy or Kotlin programs; no Python parser exists for either, so
# dependency declarations are read line by line in their common literal forms.
_GRADLE_COORDINATE = re.compile(
    r"""^\s*(?P<conf>[a-zA-Z]+)\s*\(?\s*(?:(?:enforcedP|p)latform\s*\(\s*)?
        ["'](?P<group>[^"':\s$]+):(?P<artifact>[^"':\s]+)(?::[^"']*)?["']""",
    re.VERBOSE,
)
_GRADLE_MAP = re.compile(
    r"""^\s*(?P<conf>[a-zA-Z]+)\s*\(?\s*group\s*[:=]\s*["'](?P<group>[^"']+)["']\s*,\s*
        name\s*[:=]\s*["'](?P<artifact>[^"']+)["']""",
    re.VERBOSE,
)
_GRADLE_CONFIGURATIONS = re.compile(
    r"(implementation|api|compileOnly|runtimeOnly|compile|runtime|annotationProcessor|kapt|ksp"
    r"|developmentOnly|testFixturesApi|[a-z]\w*(Implementation|RuntimeOnly|CompileOnly|Api))$"
)


def parse_gradle(path: str, text: str) -> list[Dependency]:
    found = []
    in_block_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_block_comment:
            in_block_comment = "*/" not in stripped
            continue
        if stripped.startswith("/*"):
            in_block_comment = "*/" not in stripped
            continue
        if stripped.startswith("//"):
            continue
        match = _GRADLE_COORDINATE.match(line) or _GRADLE_MAP.match(line)
        if match and _GRADLE_CONFIGURATIONS.match(match["conf"]):
            found.append(Dependency("maven", f"{match['group']}:{match['artifact']}", path, number))
    return found


def parse_version_catalog(path: str, text: str) -> list[Dependency]:
    """The ``[libraries]`` of a Gradle version catalog (gradle/libs.versions.toml).

    Build scripts refer to these as ``libs.some.alias``; reading the catalog itself yields the
    real coordinates, so those references need no resolving.
    """
    data = _toml(text)
    lines = _line_index(text)
    found = []
    for alias, spec in (data.get("libraries") or {}).items():
        if isinstance(spec, str):
            module = spec.rsplit(":", 1)[0] if spec.count(":") >= 2 else spec
        elif isinstance(spec, dict):
            module = spec.get("module") or f"{spec.get('group', '')}:{spec.get('name', '')}"
        else:
            continue
        found.append(Dependency("maven", module, path, _find_line(lines, alias)))
    return found


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"malformed TOML: {error}", toml_error_line(error, text)) from None


def toml_error_line(error: tomllib.TOMLDecodeError, text: str) -> int | None:
    """tomllib states the position only in its message: "(at line 3, column 1)"."""
    match = re.search(r"at line (\d+)", str(error))
    if match:
        return int(match[1])
    return len(text.splitlines()) or 1 if "end of document" in str(error) else None


# --- Python --------------------------------------------------------------------------------------


def _requirement(text: str, path: str, line: int | None) -> Dependency | None:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise ManifestError(f"invalid requirement {text!r}: {error}", line) from None
    return Dependency("pypi", canonicalize_name(requirement.name), path, line)


def parse_requirements(path: str, text: str) -> list[Dependency]:
    found = []
    pending = ""
    pending_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            pending_line = number
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        # Options (-r, -c, -e, --index-url) and bare paths or URLs name no package to count.
        if not line or line.startswith(("-", ".", "/")) or "://" in line.split(";")[0][:12]:
            continue
        line = re.sub(r"\s--hash=\S+", "", line)
        dependency = _requirement(line, path, pending_line)
        if dependency:
            found.append(dependency)
    return found


def parse_pyproject(path: str, text: str) -> list[Dependency]:
    data = _toml(text)
    lines = _line_index(text)
    names: list[str] = []
    project = data.get("project") or {}
    names += _pep508_names(project.get("dependencies"))
    for group in (project.get("optional-dependencies") or {}).values():
        names += _pep508_names(group)
    for group in (data.get("dependency-groups") or {}).values():
        names += _pep508_names(group)
    tool = data.get("tool") or {}
    poetry = tool.get("poetry") or {}
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [g.get("dependencies") for g in (poetry.get("group") or {}).values()]
    for table in tables:
        if isinstance(table, dict):
            names += [n for n in table if n.lower() != "python"]
    for group in ((tool.get("pdm") or {}).get("dev-dependencies") or {}).values():
        names += _pep508_names(group)
    names += _pep508_names((tool.get("uv") or {}).get("dev-dependencies"))
    found = []
    for name in names:
        found.append(Dependency("pypi", canonicalize_name(name), path, _find_line(lines, name)))
    return found


def _pep508_names(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    names = []
    for entry in entries:
        if not isinstance(entry, str):
            continue  # {include-group = "..."} refers to another group already read
        try:
            names.append(Requirement(entry).name)
        except InvalidRequirement as error:
            raise ManifestError(f"invalid requirement {entry!r}: {error}") from None
    return names


def parse_pipfile(path: str, text: str) -> list[Dependency]:
    data = _toml(text)
    lines = _line_index(text)
    return [
        Dependency("pypi", canonicalize_name(name), path, _find_line(lines, name))
        for section in ("packages", "dev-packages")
        for name in (data.get(section) or {})
    ]


def parse_setup_cfg(path: str, text: str) -> list[Dependency]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as error:
        raise ManifestError(f"malformed setup.cfg: {error}".splitlines()[0]) from None
    lines = _line_index(text)
    entries: list[str] = []
    if parser.has_option("options", "install_requires"):
        entries += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            entries += value.splitlines()
    found = []
    for entry in (e.strip() for e in entries):
        if entry and not entry.startswith("#"):
            dependency = _requirement(entry, path, _find_line(lines, entry))
            if dependency:
                found.append(dependency)
    return found


# --- Node ----------------------------------------------------------------------------------------

NPM_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def parse_package_json(path: str, text: str) -> list[Dependency]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(f"malformed JSON: {error.msg}", error.lineno) from None
    if not isinstance(data, dict):
        raise ManifestError("malformed package.json: not an object")
    lines = _line_index(text)
    found = []
    for section in NPM_SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        start = (_find_line(lines, f'"{section}"') or 1) - 1
        for name in table:
            found.append(Dependency("npm", name, path, _find_line(lines, f'"{name}"', start)))
    return found


# --- Go ------------------------------------------------------------------------------------------

# go.mod has no Python parser; its grammar is line based and small enough to read directly.
_GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?(?P<module>[^\s()/]+(?:/[^\s()]+)*)\s+v\S+")


def parse_go_mod(path: str, text: str) -> list[Dependency]:
    """Modules in ``require`` directives, leaving out those marked ``// indirect``."""
    found = []
    in_block = False
    for number, line in enumerate(text.splitlines(), start=1):
        code, _, comment = line.partition("//")
        stripped = code.strip()
        if in_block:
            if stripped.startswith(")"):
                in_block = False
                continue
        elif stripped.startswith("require") and stripped.endswith("("):
            in_block = True
            continue
        elif not stripped.startswith("require "):
            continue
        if "indirect" in comment:
            continue
        match = _GO_REQUIRE.match(stripped)
        if match:
            found.append(Dependency("go", match["module"], path, number))
    return found


# --- which parser reads which file ---------------------------------------------------------------

_BY_NAME: dict[str, Parser] = {
    "pom.xml": parse_pom,
    "build.gradle": parse_gradle,
    "build.gradle.kts": parse_gradle,
    "pyproject.toml": parse_pyproject,
    "pipfile": parse_pipfile,
    "setup.cfg": parse_setup_cfg,
    "package.json": parse_package_json,
    "go.mod": parse_go_mod,
    "packages.config": parse_packages_config,
    "directory.packages.props": parse_msbuild,
    "directory.build.props": parse_msbuild,
    "directory.build.targets": parse_msbuild,
}
_BY_PATTERN: tuple[tuple[re.Pattern[str], Parser], ...] = (
    (re.compile(r".+\.(csproj|fsproj|vbproj)"), parse_msbuild),
    (re.compile(r".+\.versions\.toml"), parse_version_catalog),
    (re.compile(r"(.*[-_.])?requirements([-_.].*)?\.txt"), parse_requirements),
)
# A cheap first look: only names ending like a manifest are matched further.
_ENDINGS = (
    ".xml",
    ".gradle",
    ".kts",
    ".toml",
    "pipfile",
    ".cfg",
    ".json",
    ".mod",
    ".config",
    ".props",
    ".targets",
    "proj",
    ".txt",
)


def parser_for(path: str) -> Parser | None:
    """The parser for a direct-dependency manifest at ``path``, or None if it is not one."""
    directory, _, name = path.rpartition("/")
    lowered = name.lower()
    if not lowered.endswith(_ENDINGS):
        return None
    if lowered in _BY_NAME:
        return _BY_NAME[lowered]
    for pattern, parser in _BY_PATTERN:
        if pattern.fullmatch(lowered):
            return parser
    if lowered.endswith(".txt") and directory.rsplit("/", 1)[-1] == "requirements":
        return parse_requirements
    return None


def manifests(paths: Iterable[str]) -> list[tuple[str, Parser]]:
    return [(p, parser) for p in paths if (parser := parser_for(p)) is not None]
