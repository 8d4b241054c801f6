"""Reviews: roles, effective scores, staleness, self-retirement, expiry, history, actions, CLI."""

from __future__ import annotations

import json
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from scanner import reviews
from scanner.actions import add_action, complete_action, list_actions
from scanner.cli import cli
from scanner.cli_reviews import COMMANDS
from scanner.effective import effective_scores, history, record_retirements
from scanner.errors import CatalogError, InputError
from scanner.identity import Actor, from_git, from_github, resolve_actor
from scanner.models import Level
from tests.recorded_scans import (
    CATALOG,
    CONFIG_TOML,
    OTHER_OWNER,
    OWNER,
    PAYMENTS,
    RELIABILITY,
    RELIABILITY_2,
    ROLES,
    STRANGER,
    WIKI,
    record_scan,
)

for command in COMMANDS:
    cli.add_command(command)

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
WHO = {"roles": ROLES, "catalog": CATALOG}


def score(store, service, category, now=T0):
    found = [s for s in effective_scores(store, [service], now=now) if s.category == category]
    assert found, f"no score for {service} {category}"
    return found[0]


@pytest.fixture
def scanned(store):
    record_scan(store, PAYMENTS, {"logging": "amber", "alerting": "red"})
    record_scan(store, WIKI, {"logging": "amber", "runbooks": "green"})
    return store


# --- confirm / override / roles ------------------------------------------------------------------


def test_unreviewed_scores_are_inferred_and_unconfirmed(scanned):
    s = score(scanned, "wiki", "logging")
    assert (s.inferred, s.effective, s.confirmed, s.differs) == (
        Level.AMBER,
        Level.AMBER,
        False,
        False,
    )
    assert s.why == "unconfirmed"


def test_owner_confirms_and_the_actor_is_recorded(scanned):
    entry = reviews.confirm(scanned, "wiki", "logging", actor=OWNER, note="looked", now=T0, **WHO)
    assert (entry.kind, entry.level, entry.actor, entry.actor_source) == (
        "confirm",
        "amber",
        "ana@example.com",
        "env",
    )
    assert entry.expires_at == T0 + timedelta(days=90)
    s = score(scanned, "wiki", "logging")
    assert s.confirmed and not s.stale and s.review_id == entry.id
    assert "confirmed by ana@example.com" in s.why


def test_owner_overrides_a_non_golden_thread_service(scanned):
    entry = reviews.override(
        scanned,
        "wiki",
        "logging",
        "green",
        reason="evidence-elsewhere",
        note="logs ship from the sidecar",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    s = score(scanned, "wiki", "logging")
    assert (s.inferred, s.effective, s.differs, s.review_id) == (
        Level.AMBER,
        Level.GREEN,
        True,
        entry.id,
    )
    assert "evidence-elsewhere: logs ship from the sidecar" in s.why
    assert "expires 2026-04-10" in s.why


@pytest.mark.parametrize(
    ("call", "actor"),
    [
        ("override-golden-thread", OWNER),
        ("confirm", STRANGER),
        ("challenge", STRANGER),
        ("override", STRANGER),
    ],
)
def test_refused_actions_write_nothing(scanned, call, actor):
    with pytest.raises(reviews.PermissionDenied) as refused:
        if call == "override-golden-thread":
            reviews.override(
                scanned,
                "payments-api",
                "logging",
                "green",
                reason="accepted-risk",
                note="n",
                actor=actor,
                **WHO,
            )
        elif call == "override":
            reviews.override(
                scanned,
                "wiki",
                "logging",
                "green",
                reason="accepted-risk",
                note="n",
                actor=actor,
                **WHO,
            )
        elif call == "confirm":
            reviews.confirm(scanned, "wiki", "logging", actor=actor, **WHO)
        else:
            reviews.challenge(
                scanned, "wiki", "logging", reason="false-positive", actor=actor, **WHO
            )
    assert refused.value.exit_code == 2
    assert str(actor.name) in str(refused.value)
    assert reviews.audit_log(scanned) == []


def test_reliability_engineer_overrides_golden_thread(scanned):
    reviews.override(
        scanned,
        "payments-api",
        "alerting",
        "amber",
        reason="compensating-control",
        note="on-call watches the queue",
        actor=RELIABILITY,
        now=T0,
        **WHO,
    )
    assert score(scanned, "payments-api", "alerting").effective is Level.AMBER


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": "purple"}, "not one of red, amber, green"),
        ({"reason": "because"}, "not one of: not-applicable"),
        ({"level": "amber"}, "already inferred amber"),
        ({"note": " "}, "needs a note"),
        ({"category": "nope"}, "no assessment for 'nope'"),
        ({"expires_at": T0 - timedelta(days=1)}, "not in the future"),
    ],
)
def test_override_input_errors(scanned, kwargs, message):
    args = {
        "category": "logging",
        "level": "green",
        "reason": "accepted-risk",
        "note": "n",
        "expires_at": None,
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        reviews.override(
            scanned,
            "wiki",
            args["category"],
            args["level"],
            reason=args["reason"],
            note=args["note"],
            expires_at=args["expires_at"],
            actor=OWNER,
            now=T0,
            **WHO,
        )


def test_unknown_service(scanned):
    with pytest.raises(CatalogError):
        reviews.confirm(scanned, "ghost", "logging", actor=OWNER, **WHO)


# --- challenges --------------------------------------------------------------------------------


def test_challenge_accepted_by_a_reliability_engineer_sets_the_level(scanned):
    ch = reviews.challenge(
        scanned,
        "wiki",
        "logging",
        reason="false-positive",
        proposed="green",
        note="we log to stdout",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    assert [v.status for v in reviews.challenges(scanned, pending=True)] == ["pending"]
    assert score(scanned, "wiki", "logging").pending_challenges == (ch.id,)
    with pytest.raises(reviews.PermissionDenied):
        reviews.accept(scanned, ch.id, reason="ok", actor=OTHER_OWNER, **WHO)
    decision = reviews.accept(scanned, ch.id, reason="agreed", actor=RELIABILITY, now=T0, **WHO)
    assert decision.service == "wiki" and decision.refers_to == ch.id
    assert reviews.challenges(scanned, pending=True) == []
    [view] = reviews.challenges(scanned)
    assert view.status == "accepted" and view.decision and view.decision.actor == RELIABILITY.name
    s = score(scanned, "wiki", "logging")
    assert s.effective is Level.GREEN and "challenge accepted" in s.why
    with pytest.raises(InputError, match="already closed"):
        reviews.reject(scanned, ch.id, reason="late", actor=RELIABILITY, **WHO)


def test_rejected_challenge_leaves_the_inferred_level(scanned):
    ch = reviews.challenge(
        scanned, "wiki", "logging", reason="false-positive", proposed="green", actor=OWNER, **WHO
    )
    reviews.reject(scanned, ch.id, reason="the logs are not structured", actor=RELIABILITY, **WHO)
    assert score(scanned, "wiki", "logging").effective is Level.AMBER
    assert reviews.challenges(scanned)[0].status == "rejected"


def test_golden_thread_approver_must_differ_from_challenger(scanned):
    ch = reviews.challenge(
        scanned,
        "payments-api",
        "alerting",
        reason="evidence-elsewhere",
        proposed="amber",
        actor=RELIABILITY,
        **WHO,
    )
    with pytest.raises(reviews.PermissionDenied, match="must not be the challenger"):
        reviews.accept(scanned, ch.id, reason="mine", actor=RELIABILITY, **WHO)
    reviews.accept(scanned, ch.id, reason="seen", actor=RELIABILITY_2, now=T0, **WHO)
    assert score(scanned, "payments-api", "alerting").effective is Level.AMBER


def test_revoke(scanned):
    ov = reviews.override(
        scanned,
        "wiki",
        "logging",
        "green",
        reason="accepted-risk",
        note="n",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    with pytest.raises(reviews.PermissionDenied):
        reviews.revoke(scanned, ov.id, reason="no", actor=STRANGER, **WHO)
    reviews.revoke(scanned, ov.id, reason="fixed differently", actor=OTHER_OWNER, now=T0, **WHO)
    assert score(scanned, "wiki", "logging").effective is Level.AMBER
    with pytest.raises(InputError, match="already ended"):
        reviews.revoke(scanned, ov.id, reason="again", actor=OWNER, **WHO)
    gt = reviews.override(
        scanned,
        "payments-api",
        "logging",
        "green",
        reason="accepted-risk",
        note="n",
        actor=RELIABILITY,
        now=T0,
        **WHO,
    )
    with pytest.raises(reviews.PermissionDenied):
        reviews.revoke(scanned, gt.id, reason="owner tries", actor=OWNER, **WHO)


# --- staleness, retirement, expiry -------------------------------------------------------------


def test_review_goes_stale_when_the_evidence_changes(scanned):
    reviews.confirm(scanned, "wiki", "logging", actor=OWNER, now=T0, **WHO)
    record_scan(scanned, WIKI, {"logging": "amber", "runbooks": "green"})  # identical evidence
    assert not score(scanned, "wiki", "logging").stale
    record_scan(
        scanned,
        WIKI,
        {"logging": "amber", "runbooks": "green"},
        evidence={"logging": "amber-but-different"},
    )
    s = score(scanned, "wiki", "logging")
    assert s.stale and s.confirmed  # still applies until it expires, listed for re-review
    assert "stale" in s.why
    assert not score(scanned, "wiki", "runbooks").stale


def test_confirmation_lapses_when_the_inferred_level_changes(scanned):
    reviews.confirm(scanned, "wiki", "logging", actor=OWNER, now=T0, **WHO)
    record_scan(scanned, WIKI, {"logging": "red", "runbooks": "green"})
    s = score(scanned, "wiki", "logging")
    assert not s.confirmed and "confirmed at amber" in s.why


def test_upward_override_retires_itself_when_the_inferred_level_reaches_it(scanned):
    ov = reviews.override(
        scanned,
        "wiki",
        "logging",
        "green",
        reason="accepted-risk",
        note="fix in flight",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    assert record_retirements(scanned, now=T0) == []
    record_scan(scanned, WIKI, {"logging": "green", "runbooks": "green"})
    s = score(scanned, "wiki", "logging")
    assert s.retiring == ov.id and s.effective is Level.GREEN and "retired" in s.why
    [retired] = record_retirements(scanned, now=T0)
    assert record_retirements(scanned, now=T0) == []  # recorded once
    entry = reviews.audit_log(scanned, "wiki")[-1]
    assert (entry.id, entry.kind, entry.refers_to, entry.actor_source) == (
        retired,
        "retire",
        ov.id,
        "system",
    )
    record_scan(scanned, WIKI, {"logging": "amber", "runbooks": "green"})
    assert score(scanned, "wiki", "logging").effective is Level.AMBER  # retired stays retired


def test_downward_override_does_not_retire(scanned):
    reviews.override(
        scanned,
        "wiki",
        "runbooks",
        "amber",
        reason="false-positive",
        note="runbook is a stub",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    assert record_retirements(scanned, now=T0) == []
    assert score(scanned, "wiki", "runbooks").effective is Level.AMBER


def test_override_expires_on_the_injected_clock(scanned):
    reviews.override(
        scanned,
        "wiki",
        "logging",
        "green",
        reason="accepted-risk",
        note="n",
        expires_at=T0 + timedelta(days=10),
        actor=OWNER,
        now=T0,
        **WHO,
    )
    assert score(scanned, "wiki", "logging", now=T0 + timedelta(days=9)).effective is Level.GREEN
    late = score(scanned, "wiki", "logging", now=T0 + timedelta(days=11))
    assert late.effective is Level.AMBER and "expired on 2026-01-20" in late.why


def test_history_shows_inferred_and_effective_per_scan(scanned):
    record_scan(scanned, WIKI, {"logging": "red", "runbooks": "green"})
    reviews.override(
        scanned,
        "wiki",
        "logging",
        "amber",
        reason="compensating-control",
        note="n",
        actor=OWNER,
        now=datetime.now(UTC),
        **WHO,
    )
    points = history(scanned, "wiki", "logging")
    assert [(p.inferred, p.effective) for p in points] == [
        (Level.AMBER, Level.AMBER),
        (Level.RED, Level.AMBER),
    ]
    assert {p.category for p in history(scanned, "wiki")} == {"logging", "runbooks"}


# --- identity ----------------------------------------------------------------------------------


def test_actor_from_environment_first():
    assert resolve_actor({"FUNDAMENTALS_ACTOR": "bot@ci", "GITHUB_TOKEN": "x"}) == Actor(
        "bot@ci", "env"
    )


def test_actor_from_git_config(tmp_path):
    gitconfig = tmp_path / "gitconfig"
    subprocess.run(
        ["git", "config", "--file", str(gitconfig), "user.email", "dev@example.com"], check=True
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(tmp_path),
    }
    assert from_git(env) == Actor("dev@example.com", "git")


class _GitHubUser(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        ok = self.path == "/user" and self.headers.get("Authorization") == "token good"
        body = json.dumps({"login": "octocat"} if ok else {"message": "Bad credentials"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def github_api():
    server = HTTPServer(("127.0.0.1", 0), _GitHubUser)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_actor_from_github_token(github_api):
    assert from_github({"GITHUB_TOKEN": "good", "GITHUB_API_URL": github_api}) == Actor(
        "octocat", "github"
    )


def test_bad_github_token_falls_through(github_api):
    env = {"GITHUB_TOKEN": "bad", "GITHUB_API_URL": github_api}
    assert from_github(env) is None
    fallback = resolve_actor(env, resolvers=(from_github, lambda e: Actor("x@y", "git")))
    assert fallback == Actor("x@y", "git")


def test_no_identity_is_an_input_error():
    with pytest.raises(InputError, match="FUNDAMENTALS_ACTOR"):
        resolve_actor({}, resolvers=(lambda e: None,))


# --- actions -----------------------------------------------------------------------------------


def test_actions_add_list_overdue_done(scanned):
    late = add_action(
        scanned, "wiki", "logging", "structured logs", owner="ana", due=date(2026, 1, 1)
    )
    add_action(scanned, "wiki", "runbooks", "write the runbook", owner="bo", due=date(2026, 6, 1))
    today = date(2026, 2, 1)
    assert [a.text for a in list_actions(scanned, today=today)] == [
        "structured logs",
        "write the runbook",
    ]
    assert [a.id for a in list_actions(scanned, overdue=True, today=today)] == [late.id]
    assert complete_action(scanned, late.id).status == "done"
    assert list_actions(scanned, overdue=True, today=today) == []
    assert len(list_actions(scanned, include_done=True)) == 2
    with pytest.raises(InputError):
        complete_action(scanned, late.id)
    with pytest.raises(CatalogError):
        add_action(scanned, "ghost", "logging", "x", owner="a")


# --- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def run(scanned, db_url, tmp_path):
    config = tmp_path / "fundamentals.toml"
    config.write_text(CONFIG_TOML)

    def invoke(*args: str, actor: str = OWNER.name):
        env = {
            "FUNDAMENTALS_ACTOR": actor,
            "FUNDAMENTALS_DB": db_url,
            "FUNDAMENTALS_CONFIG": str(config),
        }
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_cli_every_review_command(run, scanned):
    r = run("confirm", "wiki", "runbooks", "--note", "fine")
    assert (
        r.exit_code == 0 and "confirm green wiki runbooks by ana@example.com (via env)" in r.output
    )
    r = run(
        "override",
        "wiki",
        "logging",
        "green",
        "--reason",
        "evidence-elsewhere",
        "--note",
        "sidecar",
        "--expires",
        "30d",
        "--json",
    )
    assert r.exit_code == 0 and json.loads(r.output)["level"] == "green"
    r = run(
        "challenge",
        "payments-api",
        "alerting",
        "--reason",
        "false-positive",
        "--proposed",
        "amber",
        "--json",
    )
    challenge_id = json.loads(r.output)["id"]
    r = run("challenges", "--pending")
    assert (
        r.exit_code == 0 and "pending" in r.output and "payments-api alerting → amber" in r.output
    )
    r = run("accept", str(challenge_id), "--reason", "ok")
    assert r.exit_code == 2 and "may not accept" in r.output
    r = run("accept", str(challenge_id), "--reason", "ok", actor=RELIABILITY.name)
    assert r.exit_code == 0, r.output
    ch2 = json.loads(
        run("challenge", "wiki", "runbooks", "--reason", "not-applicable", "--json").output
    )["id"]
    assert run("reject", str(ch2), "--reason", "it applies", actor=RELIABILITY.name).exit_code == 0
    override_id = reviews.audit_log(scanned, "wiki")[1].id
    assert run("revoke", str(override_id), "--reason", "done").exit_code == 0
    r = run("reviews", "--json")
    by = {(s["service"], s["category"]): s for s in json.loads(r.output)}
    assert by[("payments-api", "alerting")]["effective"] == "amber"
    assert by[("payments-api", "alerting")]["inferred"] == "red"
    assert by[("wiki", "logging")]["effective"] == "amber"
    r = run("reviews", "payments-api")
    assert "challenge accepted to amber" in r.output
    r = run("history", "wiki", "logging")
    assert r.exit_code == 0 and "inferred amber" in r.output
    r = run("audit", "log", "wiki")
    assert "override" in r.output and "revoke" in r.output
    r = run("audit", "verify")
    assert r.exit_code == 0 and r.output.startswith("ok: 7 entries")
    assert run("audit", "head").output.strip() == reviews.audit_log(scanned)[-1].entry_hash


def test_cli_refusal_exits_2_and_writes_nothing(run, scanned):
    r = run(
        "override", "payments-api", "logging", "green", "--reason", "accepted-risk", "--note", "n"
    )
    assert r.exit_code == 2
    assert "Golden Thread" in r.output
    assert reviews.audit_log(scanned) == []
    assert run("confirm", "wiki", "logging", actor=STRANGER.name).exit_code == 2
    assert (
        run("override", "wiki", "logging", "green", "--reason", "nope", "--note", "n").exit_code
        == 2
    )
    assert reviews.audit_log(scanned) == []


def test_cli_actions(run):
    r = run(
        "action",
        "add",
        "wiki",
        "logging",
        "structured logs",
        "--owner",
        "ana",
        "--due",
        "2020-01-01",
        "--json",
    )
    action_id = json.loads(r.output)["id"]
    assert "OVERDUE" in run("action", "list", "--overdue").output
    assert run("action", "done", str(action_id)).exit_code == 0
    assert json.loads(run("action", "list", "--json").output) == []


def test_every_command_has_help_with_an_example():
    for command in COMMANDS:
        subcommands = getattr(command, "commands", None)
        for c in (subcommands or {command.name: command}).values():
            assert c.help and "Example" in c.help, c.name
