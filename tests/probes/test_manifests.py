"""Direct dependencies from each ecosystem's manifests — never from lock files or comments."""

from __future__ import annotations

import pytest

from scanner.repository.manifests import (
    Dependency,
    ManifestError,
    parse_go_mod,
    parse_gradle,
    parse_msbuild,
    parse_package_json,
    parse_packages_config,
    parse_pipfile,
    parse_pom,
    parse_pyproject,
    parse_requirements,
    parse_setup_cfg,
    parse_version_catalog,
    parser_for,
)


def names(dependencies: list[Dependency]) -> list[str]:
    return [d.name for d in dependencies]


@pytest.mark.parametrize(
    ("path", "reads"),
    [
        ("src/Api/Api.csproj", True),
        ("Directory.Packages.props", True),
        ("packages.config", True),
        ("pom.xml", True),
        ("app/build.gradle.kts", True),
        ("gradle/libs.versions.toml", True),
        ("requirements-dev.txt", True),
        ("requirements/base.txt", True),
        ("pyproject.toml", True),
        ("Pipfile", True),
        ("web/package.json", True),
        ("go.mod", True),
        ("package-lock.json", False),
        ("yarn.lock", False),
        ("poetry.lock", False),
        ("go.sum", False),
        ("packages.lock.json", False),
        ("Pipfile.lock", False),
    ],
)
def test_only_direct_manifests_are_read(path: str, reads: bool) -> None:
    assert (parser_for(path) is not None) is reads


def test_msbuild_package_references_with_lines() -> None:
    text = (
        '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n'
        '    <PackageReference Include="Polly" Version="8.4.0" />\n'
        '    <!-- <PackageReference Include="Serilog" Version="3" /> -->\n'
        '    <PackageVersion Include="OpenTelemetry" Version="1.8.1" />\n'
        "  </ItemGroup>\n</Project>\n"
    )

    found = parse_msbuild("Api.csproj", text)

    assert [(d.name, d.line) for d in found] == [("Polly", 3), ("OpenTelemetry", 5)]
    assert {d.ecosystem for d in found} == {"nuget"}


def test_msbuild_entities_are_refused() -> None:
    bomb = '<!DOCTYPE p [<!ENTITY a "aaaaaaaa">]><Project>&a;</Project>'

    with pytest.raises(ManifestError, match="refused"):
        parse_msbuild("Api.csproj", bomb)


def test_packages_config() -> None:
    text = '<packages>\n  <package id="Polly" version="7.2.4" />\n</packages>\n'

    assert [(d.name, d.line) for d in parse_packages_config("packages.config", text)] == [
        ("Polly", 2)
    ]


def test_pom_dependencies_but_not_managed_versions_or_plugin_dependencies() -> None:
    text = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <dependencyManagement><dependencies><dependency>
    <groupId>io.opentelemetry</groupId><artifactId>opentelemetry-bom</artifactId>
  </dependency></dependencies></dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>io.github.resilience4j</groupId><artifactId>resilience4j-retry</artifactId>
    </dependency>
  </dependencies>
  <build><plugins><plugin><artifactId>p</artifactId><dependencies><dependency>
    <groupId>x</groupId><artifactId>plugin-only</artifactId>
  </dependency></dependencies></plugin></plugins></build>
</project>"""

    found = parse_pom("pom.xml", text)

    assert [(d.name, d.line) for d in found] == [("io.github.resilience4j:resilience4j-retry", 6)]


def test_malformed_pom_reports_its_line() -> None:
    with pytest.raises(ManifestError) as error:
        parse_pom("pom.xml", "<project>\n<dependencies>\n</project>")

    assert error.value.line == 3


def test_gradle_declarations_in_groovy_and_kotlin_forms() -> None:
    text = """dependencies {
    implementation 'io.github.resilience4j:resilience4j-retry:2.2.0'
    implementation("net.logstash.logback:logstash-logback-encoder:7.4")
    testImplementation group: 'org.junit.jupiter', name: 'junit-jupiter', version: '5.10.2'
    implementation platform("org.springframework.boot:spring-boot-dependencies:3.3.0")
    // implementation 'dev.failsafe:failsafe:3.3.2'
    /* implementation 'io.prometheus:simpleclient:0.16.0'
    */
    implementation(libs.resilience4j.retry)
}
"""

    found = parse_gradle("build.gradle", text)

    assert [(d.name, d.line) for d in found] == [
        ("io.github.resilience4j:resilience4j-retry", 2),
        ("net.logstash.logback:logstash-logback-encoder", 3),
        ("org.junit.jupiter:junit-jupiter", 4),
        ("org.springframework.boot:spring-boot-dependencies", 5),
    ]


def test_gradle_version_catalog_libraries() -> None:
    text = (
        '[libraries]\nretry = { module = "io.github.resilience4j:resilience4j-retry" }\n'
        'zap = "org.example:zap-lib:1.0"\n'
        'otel = { group = "io.opentelemetry", name = "opentelemetry-api", version = "1" }\n'
    )

    assert names(parse_version_catalog("gradle/libs.versions.toml", text)) == [
        "io.github.resilience4j:resilience4j-retry",
        "org.example:zap-lib",
        "io.opentelemetry:opentelemetry-api",
    ]


def test_requirements_skip_comments_options_and_paths() -> None:
    text = (
        "# tenacity==8\n-r base.txt\n--index-url https://pypi.example/simple\n-e .\n"
        "Structlog[dev]>=24 ; python_version >= '3.11'  # logging\n"
        "backoff==2.2.1 \\\n    --hash=sha256:abc\n./local/pkg\n"
    )

    found = parse_requirements("requirements.txt", text)

    assert [(d.name, d.line) for d in found] == [("structlog", 5), ("backoff", 6)]


def test_an_invalid_requirement_is_an_error_with_its_line() -> None:
    with pytest.raises(ManifestError) as error:
        parse_requirements("requirements.txt", "requests\nnot a valid == requirement ===\n")

    assert error.value.line == 2


def test_pyproject_pep621_groups_and_poetry() -> None:
    text = """[project]
dependencies = ["tenacity>=8"]
[project.optional-dependencies]
otel = ["opentelemetry-sdk"]
[dependency-groups]
dev = ["pytest", {include-group = "lint"}]
[tool.poetry.dependencies]
python = "^3.11"
Backoff = "*"
[tool.poetry.group.test.dependencies]
locust = "*"
"""

    assert sorted(names(parse_pyproject("pyproject.toml", text))) == [
        "backoff",
        "locust",
        "opentelemetry-sdk",
        "pytest",
        "tenacity",
    ]


def test_malformed_toml_reports_its_line() -> None:
    with pytest.raises(ManifestError) as error:
        parse_pyproject("pyproject.toml", "[project]\ndependencies = [\n")

    assert error.value.line is not None


def test_pipfile_and_setup_cfg() -> None:
    assert names(
        parse_pipfile("Pipfile", '[packages]\nstamina = "*"\n[dev-packages]\npytest = "*"\n')
    ) == ["stamina", "pytest"]
    setup = "[options]\ninstall_requires =\n    structlog>=24\n    pybreaker\n"
    assert names(parse_setup_cfg("setup.cfg", setup)) == ["structlog", "pybreaker"]


def test_package_json_sections_with_lines() -> None:
    text = (
        '{\n  "name": "web",\n  "dependencies": {\n    "pino": "^9"\n  },\n'
        '  "devDependencies": {\n    "pino": "^9",\n    "jest": "^29"\n  }\n}\n'
    )

    found = parse_package_json("package.json", text)

    assert [(d.name, d.line) for d in found] == [("pino", 4), ("pino", 7), ("jest", 8)]


def test_malformed_package_json_reports_its_line() -> None:
    with pytest.raises(ManifestError) as error:
        parse_package_json("package.json", '{\n  "dependencies": {\n    "a": "1"\n    "b": "2"\n')

    assert error.value.line == 4


def test_go_mod_requires_but_not_indirect_ones() -> None:
    text = """module example.com/x

go 1.22

require github.com/sony/gobreaker v1.0.0
require (
	go.uber.org/zap v1.27.0
	github.com/hashicorp/go-retryablehttp v0.7.7 // indirect
	// github.com/rs/zerolog v1.33.0
)
replace example.com/y => ../y
"""

    assert [(d.name, d.line) for d in parse_go_mod("go.mod", text)] == [
        ("github.com/sony/gobreaker", 5),
        ("go.uber.org/zap", 7),
    ]
