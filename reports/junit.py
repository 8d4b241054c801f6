"""JUnit XML for test tabs (Azure Pipelines, GitLab, Jenkins): one test case per category.

fail → ``<failure>``, not applicable → ``<skipped>``, warn → passes with the warning in
``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from scanner.gate import GateResult


def to_junit(results: Sequence[GateResult]) -> str:
    suites = ET.Element("testsuites", name="fundamentals gate")
    total = failures = skipped = 0
    for result in results:
        suite = ET.SubElement(suites, "testsuite", name=f"fundamentals.{result.service.name}")
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for check in result.checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{result.service.name}.{check.pillar or 'fundamentals'}",
                name=check.category,
            )
            counts["tests"] += 1
            detail = (
                f"inferred {check.inferred.value}, effective {check.effective.value}"
                + (f", required {check.required.value}" if check.required else "")
                + (f", baseline {check.baseline.value}" if check.baseline else "")
                + (f"\n{check.why}" if check.why else "")
                + "".join(f"\n  {loc}" for loc in check.locators)
            )
            if check.outcome == "fail":
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", message=check.reason, type="gate")
                failure.text = detail
            elif check.outcome == "skip":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=check.reason)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"{check.outcome}: {check.reason}\n{detail}"
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        total += counts["tests"]
        failures += counts["failures"]
        skipped += counts["skipped"]
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
