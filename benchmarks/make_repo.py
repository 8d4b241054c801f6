"""Generate a realistic mixed-stack repository for benchmarking the repository scan.

    python benchmarks/make_repo.py /tmp/estate --files 50000 --git

Services in .NET, Java, Python, Node/TypeScript and Go, each with sources nested 3–8 folders
deep, tests, a Dockerfile, Kubernetes manifests and a pipeline; shared Bicep and Terraform,
workflows and docs at the root; plus vendored and build output folders that a scan must skip.
The same seed always produces the same tree.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

STACKS = ("dotnet", "java", "python", "node", "go")
DOMAINS = (
    "orders",
    "payments",
    "catalogue",
    "identity",
    "shipping",
    "billing",
    "search",
    "pricing",
    "inventory",
    "notifications",
    "reporting",
    "loyalty",
)
WORDS = (
    "account",
    "basket",
    "customer",
    "invoice",
    "ledger",
    "offer",
    "parcel",
    "quote",
    "refund",
    "route",
    "session",
    "stock",
    "tariff",
    "voucher",
    "warehouse",
    "window",
)


def camel(*words: str) -> str:
    return "".join(w.capitalize() for w in words)


class Generator:
    def __init__(self, root: Path, files: int, seed: int) -> None:
        self.root = root
        self.target = files
        self.random = random.Random(seed)
        self.written = 0
        self.kinds: Counter[str] = Counter()

    def write(self, relpath: str, text: str, kind: str) -> None:
        path = self.root / relpath
        copy = 1
        while path.exists():  # random names can collide; a collision must not shrink the repo
            copy += 1
            path = path.with_name(f"{Path(relpath).stem}{copy}{Path(relpath).suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if kind != "ignored":  # build output and vendored code do not count towards the size
            self.written += 1
        self.kinds[kind] += 1

    def words(self, n: int) -> list[str]:
        return [self.random.choice(WORDS) for _ in range(n)]

    def nested(self, base: str, low: int = 1, high: int = 5) -> str:
        """A folder path under ``base`` whose total depth lands between 3 and 8."""
        return "/".join([base, *self.words(self.random.randint(low, high))])

    def lines(self, template: str, low: int = 5, high: int = 60) -> str:
        return "\n".join(
            template.format(i=i, w=self.random.choice(WORDS))
            for i in range(self.random.randint(low, high))
        )

    # --- per-stack sources ------------------------------------------------------------------

    def dotnet_service(self, svc: str, base: str) -> None:
        name = camel(*svc.split("-"))
        self.write(
            f"{base}/src/{name}.Api/{name}.Api.csproj",
            """<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Serilog.AspNetCore" Version="8.0.1" />
    <PackageReference Include="Microsoft.Extensions.Http.Resilience" Version="8.5.0" />
    <PackageReference Include="Azure.Monitor.OpenTelemetry.AspNetCore" Version="1.1.1" />
  </ItemGroup>
</Project>
""",
            "manifest",
        )
        self.write(
            f"{base}/src/{name}.Api/Program.cs",
            f"""var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();
var app = builder.Build();
app.MapHealthChecks("/healthz");
app.MapGet("/{svc}", () => Results.Ok());
app.Run();
""",
            "source",
        )
        self.write(
            f"{base}/tests/{name}.Tests/{name}.Tests.csproj",
            """<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup><PackageReference Include="xunit" Version="2.8.1" /></ItemGroup>
</Project>
""",
            "manifest",
        )
        self.write(f"{base}/src/{name}.Api/obj/project.assets.json", "{}", "ignored")
        self.write(f"{base}/src/{name}.Api/bin/Debug/net8.0/{name}.Api.deps.json", "{}", "ignored")

    def dotnet_file(self, svc: str, base: str, test: bool) -> None:
        folder = self.nested(
            f"{base}/{'tests' if test else 'src'}/{camel(*svc.split('-'))}."
            f"{'Tests' if test else 'Api'}",
            1,
            3,
        )
        cls = camel(*self.words(2)) + ("Tests" if test else "Service")
        body = self.lines("        var {w}{i} = await _store.Get{i}Async(id, ct);", 3, 40)
        self.write(
            f"{folder}/{cls}.cs",
            f"""namespace Contoso.{camel(svc)};

public sealed class {cls}
{{
    private readonly IStore _store;

    public {cls}(IStore store) => _store = store;

    public async Task<int> RunAsync(string id, CancellationToken ct)
    {{
{body}
        return 0;
    }}
}}
""",
            "test" if test else "source",
        )

    def java_service(self, svc: str, base: str) -> None:
        self.write(
            f"{base}/pom.xml",
            f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.contoso</groupId>
  <artifactId>{svc}</artifactId>
  <version>1.0.0</version>
  <dependencies>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-actuator</artifactId></dependency>
    <dependency><groupId>io.github.resilience4j</groupId><artifactId>resilience4j-spring-boot3</artifactId><version>2.2.0</version></dependency>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-test</artifactId><scope>test</scope></dependency>
  </dependencies>
</project>
""",
            "manifest",
        )
        self.write(
            f"{base}/src/main/resources/logback-spring.xml",
            """<configuration>
  <appender name="console" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d %level %logger - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="console"/></root>
</configuration>
""",
            "config",
        )
        self.write(f"{base}/target/classes/application.properties", "server.port=8080\n", "ignored")

    def java_file(self, svc: str, base: str, test: bool) -> None:
        package = self.words(self.random.randint(1, 2))
        folder = "/".join([base, "src", "test" if test else "main", "java", "contoso", *package])
        cls = camel(*self.words(2)) + ("Test" if test else "Service")
        body = self.lines("        int {w}{i} = repository.count{i}(id);", 3, 40)
        self.write(
            f"{folder}/{cls}.java",
            f"""package contoso.{".".join(package)};

public class {cls} {{
    private final Repository repository;

    public {cls}(Repository repository) {{
        this.repository = repository;
    }}

    public int run(String id) {{
{body}
        return 0;
    }}
}}
""",
            "test" if test else "source",
        )

    def python_service(self, svc: str, base: str) -> None:
        self.write(
            f"{base}/pyproject.toml",
            f"""[project]
name = "{svc}"
version = "1.0.0"
dependencies = ["fastapi>=0.110", "structlog>=24.1", "tenacity>=8.2", "opentelemetry-sdk>=1.24"]

[project.optional-dependencies]
test = ["pytest>=8"]
""",
            "manifest",
        )
        self.write(f"{base}/requirements-dev.txt", "pytest==8.2.2\nruff==0.4.4\n", "manifest")
        self.write(f"{base}/.venv/lib/python3.12/site-packages/six.py", "x = 1\n", "ignored")

    def python_file(self, svc: str, base: str, test: bool) -> None:
        package = svc.replace("-", "_")
        folder = self.nested(f"{base}/{'tests' if test else package}", 1, 3)
        name = "_".join(self.words(2))
        body = self.lines("    {w}_{i} = store.get({i})", 3, 40)
        prefix = "test_" if test else ""
        self.write(
            f"{folder}/{prefix}{name}.py",
            f'''"""{name.replace("_", " ")}."""

import logging

log = logging.getLogger(__name__)


def {prefix}{name}(store) -> int:
{body}
    return 0
''',
            "test" if test else "source",
        )

    def node_service(self, svc: str, base: str) -> None:
        self.write(
            f"{base}/package.json",
            f"""{{
  "name": "{svc}",
  "version": "1.0.0",
  "scripts": {{"build": "tsc", "test": "vitest run"}},
  "dependencies": {{"express": "^4.19.2", "pino": "^9.1.0", "cockatiel": "^3.1.3",
                   "@opentelemetry/sdk-node": "^0.51.1"}},
  "devDependencies": {{"typescript": "^5.4.5", "vitest": "^1.6.0"}}
}}
""",
            "manifest",
        )
        self.write(f"{base}/tsconfig.json", '{"compilerOptions": {"strict": true}}\n', "config")
        self.write(f"{base}/node_modules/pino/package.json", '{"name": "pino"}', "ignored")
        self.write(f"{base}/dist/index.min.js", "var a=1;", "ignored")

    def node_file(self, svc: str, base: str, test: bool) -> None:
        folder = self.nested(f"{base}/src", 1, 3)
        name = "-".join(self.words(2))
        body = self.lines("  const {w}{i} = await store.get({i});", 3, 40)
        suffix = ".test.ts" if test else ".ts"
        self.write(
            f"{folder}/{name}{suffix}",
            f"""import {{ Store }} from "../store";

export async function run(store: Store): Promise<number> {{
{body}
  return 0;
}}
""",
            "test" if test else "source",
        )

    def go_service(self, svc: str, base: str) -> None:
        self.write(
            f"{base}/go.mod",
            f"""module github.com/contoso/{svc}

go 1.22

require (
	go.uber.org/zap v1.27.0
	github.com/sony/gobreaker v1.0.0
	go.opentelemetry.io/otel v1.27.0
)
""",
            "manifest",
        )
        self.write(f"{base}/vendor/modules.txt", "# vendored\n", "ignored")

    def go_file(self, svc: str, base: str, test: bool) -> None:
        folder = self.nested(f"{base}/internal", 1, 3)
        name = "_".join(self.words(2))
        body = self.lines("\t{w}{i} := store.Get({i})\n\t_ = {w}{i}", 3, 30)
        suffix = "_test.go" if test else ".go"
        package = folder.rsplit("/", 1)[-1]
        self.write(
            f"{folder}/{name}{suffix}",
            f"""package {package}

func Run(store Store) int {{
{body}
	return 0
}}
""",
            "test" if test else "source",
        )

    # --- per-service operations -------------------------------------------------------------

    def operations(self, svc: str, base: str, stack: str) -> None:
        self.write(
            f"{base}/Dockerfile",
            f"FROM mcr.microsoft.com/cbl-mariner/base/core:2.0\n"
            f'COPY out/ /app\nENTRYPOINT ["/app/{svc}"]\n',
            "container",
        )
        self.write(
            f"{base}/deploy/k8s/deployment.yaml",
            f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: {svc}
          image: contoso.azurecr.io/{svc}:1.0.0
          readinessProbe:
            httpGet: {{path: /healthz, port: 8080}}
""",
            "iac",
        )
        self.write(
            f"{base}/deploy/k8s/service.yaml",
            f"""apiVersion: v1
kind: Service
metadata:
  name: {svc}
spec:
  ports: [{{port: 80, targetPort: 8080}}]
""",
            "iac",
        )
        test_step = {
            "dotnet": "task: DotNetCoreCLI@2\n            inputs:\n              command: test",
            "java": "script: ./mvnw -B verify",
            "python": "script: python -m pytest",
            "node": "script: npm test",
            "go": "script: go test ./...",
        }[stack]
        self.write(
            f"{base}/azure-pipelines.yml",
            f"""trigger:
  paths:
    include: [{base}]
pool:
  vmImage: ubuntu-latest
stages:
  - stage: build
    jobs:
      - job: build
        steps:
          - {test_step}
  - stage: deploy
    jobs:
      - deployment: deploy
        environment: {svc}-prod
        strategy:
          runOnce:
            deploy:
              steps:
                - script: kubectl apply -f {base}/deploy/k8s
""",
            "pipeline",
        )
        self.write(f"{base}/README.md", f"# {svc}\n\nOwned by the {svc} team.\n", "doc")
        self.write(
            f"{base}/appsettings.json" if stack == "dotnet" else f"{base}/config/app.json",
            '{"Logging": {"LogLevel": {"Default": "Information"}}}\n',
            "config",
        )

    def shared(self) -> None:
        self.write("README.md", "# Contoso estate\n\nAll services of the estate.\n", "doc")
        self.write(".github/CODEOWNERS", "* @contoso/platform\n", "doc")
        self.write(
            ".gitignore",
            "bin/\nobj/\nnode_modules/\ntarget/\ndist/\n.venv/\nvendor/\n*.log\n",
            "config",
        )
        self.write(
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: "
            "nuget\n    directory: /\n    schedule: {interval: weekly}\n",
            "config",
        )
        for name in ("build", "release", "nightly", "lint"):
            self.write(
                f".github/workflows/{name}.yml",
                f"""name: {name}
on: [push]
jobs:
  {name}:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make {name}
""",
                "pipeline",
            )
        for i, domain in enumerate(DOMAINS):
            self.write(
                f"infra/bicep/{domain}/main.bicep",
                f"""param location string
resource plan 'Microsoft.Web/serverfarms@2023-01-01' = {{
  name: '{domain}-plan'
  location: location
  sku: {{ name: 'P1v3' }}
}}
""",
                "iac",
            )
            self.write(
                f"infra/terraform/{domain}/main.tf",
                f"""resource "azurerm_resource_group" "{domain}" {{
  name     = "rg-{domain}-{i}"
  location = var.location
}}
""",
                "iac",
            )
            self.write(f"docs/{domain}/architecture.md", f"# {domain}\n\nHow it fits.\n", "doc")

    def generate(self) -> None:
        self.shared()
        services: list[tuple[str, str, str]] = []
        index = 0
        while self.written < self.target:
            stack = STACKS[index % len(STACKS)]
            domain = DOMAINS[index % len(DOMAINS)]
            svc = f"{domain}-{self.random.choice(WORDS)}-{index}"
            base = f"{domain}/{svc}"
            getattr(self, f"{stack}_service")(svc, base)
            self.operations(svc, base, stack)
            services.append((svc, base, stack))
            # Sources: a few hundred files per service, one in five a test.
            for _ in range(self.random.randint(150, 350)):
                if self.written >= self.target:
                    break
                getattr(self, f"{stack}_file")(svc, base, self.random.random() < 0.2)
            index += 1
        self.services = services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--git", action="store_true", help="git init and git add the result")
    args = parser.parse_args(argv)
    if args.directory.exists() and any(args.directory.iterdir()):
        parser.error(f"{args.directory} is not empty")
    args.directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generator = Generator(args.directory, args.files, args.seed)
    generator.generate()
    if args.git:
        subprocess.run(["git", "init", "-q"], cwd=args.directory, check=True)
        subprocess.run(["git", "add", "-A"], cwd=args.directory, check=True)
    elapsed = time.perf_counter() - started
    stacks = Counter(stack for _, _, stack in generator.services)
    print(
        f"wrote {generator.written} files (and {generator.kinds['ignored']} in build/vendor "
        "folders a scan skips) "
        f"into {args.directory} in {elapsed:.1f}s{' and git-added them' if args.git else ''}"
    )
    print(
        f"  {len(generator.services)} services: "
        + ", ".join(f"{n} {s}" for s, n in sorted(stacks.items()))
    )
    print("  " + ", ".join(f"{k}: {n}" for k, n in sorted(generator.kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
