"""The gate's Markdown summary; appended to ``$GITHUB_STEP_SUMMARY`` when that is set."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from scanner.gate import GateResult

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
MARK = {"pass": "✅ pass", "fail": "❌ fail", "warn": "⚠️ warn", "skip": "➖ n/a"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(results: Sequence[GateResult]) -> str:
    lines: list[str] = []
    for r in results:
        verdict = "✅ passed" if r.passed else "❌ failed"
        flags = ", Golden Thread" if r.service.golden_thread else ""
        lines += [
            f"## Fundamentals gate: {r.service.name} {verdict}",
            "",
            f"Tier {r.service.tier.value}{flags} · policy `{r.policy}` ({r.mode})"
            + (f" · baseline {r.baseline_ref}" if r.baseline_ref else "")
            + (f" · scan {r.scan_id}" if r.scan_id is not None else "")
            + f" · {len(r.failures)} failing, {len(r.warnings)} warning",
            "",
            "| Category | Inferred | Effective | Required | Baseline | Result | Why |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for c in r.checks:
            why = c.reason + (f" — {c.why}" if c.why else "")
            lines.append(
                f"| {c.category} | {c.inferred.value} | {c.effective.value} | "
                f"{c.required.value if c.required else ''} | "
                f"{c.baseline.value if c.baseline else ''} | {MARK[c.outcome]} | {_cell(why)} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_step_summary(markdown: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append to the GitHub step summary file if the environment names one."""
    target = (os.environ if env is None else env).get(STEP_SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(markdown + "\n")
    return path
