"""Every Azure fact has a fixture service where it holds and one where it does not."""

from __future__ import annotations

from tests.probes.azure_cases import ALL_FACTS, all_cases


def test_every_azure_fact_has_a_passing_and_a_failing_fixture() -> None:
    for key in ALL_FACTS:
        values = [c.expected[key] for c in all_cases() if key in c.expected]
        assert any(v is not None and v is not False and v != [] for v in values), key
        assert any(v is False or v == [] or _below(key, v) for v in values), key


def test_every_azure_fact_has_an_unknown_fixture() -> None:
    unknown = {k for c in all_cases() for k, v in c.expected.items() if v is None}
    assert unknown == set(ALL_FACTS)


def _below(key: str, value: object) -> bool:
    """Numeric facts fail when they miss the objective in the fixture (SLO 99.9 %, 300 ms)."""
    limits = {
        "azure.sli.availability": lambda v: v < 99.9,
        "azure.sli.latency_p95_ms": lambda v: v > 300,
        "azure.slo.error_budget_remaining": lambda v: v < 0,
    }
    return isinstance(value, float) and key in limits and limits[key](value)
