"""The report document: what it says about a seeded estate, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter

import jsonschema

from reports.document import locator_href, repository_url
from reports.report import report_document, schema
from scanner.models import Locator
from tests.reports.conftest import SINCE
from tests.reports.estate import NOW, SCAN_DAYS, SERVICES, seed


def _validate(document):
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    validator.validate(json.loads(json.dumps(document)))


def test_schema_is_valid_and_the_document_follows_it(document):
    jsonschema.Draft202012Validator.check_schema(schema())
    _validate(document)
    assert document["schema"] == "fundamentals-report/1"


def test_counts_add_up(document, framework):
    services = document["services"]
    assert len(services) == len(SERVICES)
    tally = Counter(c["effective"] for s in services for c in s["categories"])
    assert document["summary"]["counts"] == {
        k: tally.get(k, 0) for k in document["summary"]["counts"]
    }
    assert sum(sum(d["counts"].values()) for d in document["summary"]["by_domain"]) == len(
        SERVICES
    ) * len(framework.categories)
    assert {d["domain"] for d in document["summary"]["by_domain"]} == {
        "payments",
        "logistics",
        "identity",
    }


def test_hot_spots_are_golden_thread_red_or_unknown_red_first(document):
    spots = document["hot_spots"]
    assert spots
    golden = {s.name for s in SERVICES if s.golden_thread}
    assert {h["service"] for h in spots} <= golden
    assert {h["effective"] for h in spots} <= {"red", "unknown"}
    kinds = [h["effective"] for h in spots]
    assert kinds == sorted(kinds, key=lambda k: k != "red")


def test_attention_lists_the_review_conversation(document):
    att = document["attention"]
    assert [(r["service"], r["category"]) for r in att["stale_reviews"]] == [
        ("tracking", "logging")
    ]
    assert [(c["service"], c["category"]) for c in att["pending_challenges"]] == [
        ("routing", "redundancy")
    ]
    assert [(o["service"], o["category"]) for o in att["expiring_overrides"]] == [
        ("ledger", "alerting")
    ]  # invoices' override expires in 120 days: not soon
    assert [a["service"] for a in att["overdue_actions"]] == ["payments-api"]
    ledger = next(s for s in document["services"] if s["name"] == "ledger")
    alerting = next(c for c in ledger["categories"] if c["category"] == "alerting")
    assert (alerting["effective"], alerting["inferred"], alerting["differs"]) == (
        "green",
        "amber",
        True,
    )


def test_history_and_trends(document, framework):
    trends = document["trends"]
    assert trends["dates"][0] == SINCE.isoformat()
    assert trends["dates"][-1] == NOW.date().isoformat()
    assert list(trends["pillars"]) == [p.id for p in framework.pillars]
    # Every service is counted on every day (carried forward between weekly scans).
    per_day = [
        sum(
            trends["domains"][d][level][i]
            for d in trends["domains"]
            for level in trends["domains"][d]
        )
        for i in range(len(trends["dates"]))
    ]
    unknown_or_rag = len(SERVICES) * len(framework.categories)
    assert set(per_day) == {unknown_or_rag}
    # Levels improve quarterly for some categories: green grows over the year.
    greens = [sum(trends["pillars"][p]["green"][i] for p in trends["pillars"]) for i in (0, -1)]
    assert greens[1] > greens[0]
    payments = next(s for s in document["services"] if s["name"] == "payments-api")
    assert len(payments["history"][0]["levels"]) == len(framework.categories)
    assert len(payments["history"]) > 1
    changes = document["changes_since_review"]
    assert changes and all(c["from"] != c["to"] for c in changes)
    # payments-api logging was confirmed mid-year and improved after that: listed, with the date.
    logging = [c for c in changes if (c["service"], c["category"]) == ("payments-api", "logging")]
    assert logging and logging[0]["last_reviewed"] == SCAN_DAYS[20].date().isoformat()


def test_service_section_has_trace_evidence_links_reviews_actions(document):
    payments = next(s for s in document["services"] if s["name"] == "payments-api")
    assert payments["repository_url"] == "https://github.com/example/payments-api"
    logging = next(c for c in payments["categories"] if c["category"] == "logging")
    assert logging["trace"] and logging["trace"][0]["facts"]
    hrefs = [loc["href"] for e in payments["evidence"] for loc in e["locators"]]
    assert hrefs and all(
        h.startswith("https://github.com/example/payments-api/blob/") for h in hrefs
    )
    assert any(r["kind"] == "confirm" for r in payments["reviews"])
    assert payments["actions"][0]["overdue"] is True
    depots = next(s for s in document["services"] if s["name"] == "depots")
    assert depots["repository_url"] is None  # a local checkout: locators are shown, not linked


def test_locator_links():
    assert repository_url(["/src/x", "example/api"]) == "https://github.com/example/api"
    assert repository_url(["./x"]) is None
    ado = "https://dev.azure.com/o/p/_git/r"
    assert locator_href(Locator(path="a/b.yml", line=3), ado) == f"{ado}?path=/a/b.yml&line=3"
    assert locator_href(Locator(path="a.yml"), "https://gitlab.com/o/r") == (
        "https://gitlab.com/o/r/-/blob/HEAD/a.yml"
    )
    assert locator_href(Locator(resource_id="/subscriptions/1/x"), None) == (
        "https://portal.azure.com/#@/resource/subscriptions/1/x"
    )
    assert locator_href(Locator(path="a.yml", line=1), None) is None


def test_domain_filter_and_both_databases(store, framework):
    seed(store, framework)
    document = report_document(store, framework, domain="payments", since=SINCE, now=NOW)
    _validate(document)
    assert {s["domain"] for s in document["services"]} == {"payments"}
    assert document["filters"]["domain"] == "payments"
    assert document["trends"]["domains"].keys() == {"payments"}
    assert [o["service"] for o in document["attention"]["expiring_overrides"]] == ["ledger"]
