"""Acknowledging a finding from the pages: from the post dialog (with HTMX and as a
plain form) and from a week's review. The note is required and shown next to the
field when missing; nothing is saved on a refusal; the calendar draws an
acknowledged finding muted; a lead's note on a blocking finding is the override
reason at approval; and a long stretch offers the fix for the week on screen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, func, select

from app.models import Acknowledgement, Post
from tests.api.test_acknowledgements import (
    TZ,
    dense_week,
    early_ask,
    findings,
    monday,
    submit,
    week_of,
)
from tests.conftest import World
from tests.web.test_planner import sign_in

NOTE = "Launch week: agreed with the client."
HX = {"HX-Request": "true"}


def acks(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Acknowledgement)).one()


def ack_form(csrf: str, finding: dict, note: str, origin: str) -> dict[str, str]:
    return {"csrf_token": csrf, "code": finding["code"], "channel_id": finding["channel_id"],
            "story_id": finding["story_id"] or "", "post_ids": " ".join(finding["post_ids"]),
            "note": note, "origin": origin}


def dialog(client: Any, world: World, post_id: str) -> str:
    page = client.get(f"/w/{world.workspace_id}/posts/{post_id}/edit", headers=HX)
    assert page.status_code == 200
    return str(page.text)


def warning_on_ask(client: Any, world: World) -> tuple[dict, dict]:
    """An ask too early on a new channel: two warnings on it, no blocking."""
    day = monday()
    _, ask = early_ask(client, world, day)
    found = [f for f in findings(client, world, day) if ask["id"] in f["post_ids"]]
    warning = next(f for f in found if f["severity"] == "warning")
    return ask, warning


class TestFromThePostDialog:
    def test_an_editor_acknowledges_a_warning_and_the_calendar_draws_it_muted(
            self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        assert 'name="note"' in dialog(client, world, ask["id"])
        response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                               data=ack_form(csrf, warning, NOTE, f"post:{ask['id']}"))
        assert response.status_code == 200
        assert "Acknowledged this warning" in response.text
        assert response.headers["HX-Retarget"] == "#calendar"
        assert acks(session) == 1
        day = monday()
        calendar = client.get(f"/w/{world.workspace_id}/calendar?date={day.isoformat()}")
        assert "finding-warning acknowledged" in calendar.text
        assert f"Acknowledged by Editor: {NOTE}" in calendar.text
        after = next(f for f in findings(client, world, day) if f["code"] == warning["code"]
                     and f["post_ids"] == warning["post_ids"])
        assert after["acknowledged"]["note"] == NOTE
        # The dialog now says who acknowledged it and offers to withdraw it.
        again = dialog(client, world, ask["id"])
        assert "Acknowledged</strong> by Editor" in again and "Withdraw" in again
        history = client.get(f"/w/{world.workspace_id}/history").text
        assert f"warning acknowledged ({warning['code'].replace('_', ' ')}, 1 post)" in history
        assert NOTE in history

    def test_an_empty_note_is_shown_next_to_the_note_and_nothing_is_saved(
            self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        for note in ("", "   "):
            response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                                   data=ack_form(csrf, warning, note, f"post:{ask['id']}"))
            assert response.status_code == 422
            assert 'id="ack-error-' in response.text
            assert "Must not be empty" in response.text
            assert 'aria-invalid="true"' in response.text
        assert acks(session) == 0

    def test_without_javascript_it_returns_to_the_calendar(self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        response = client.post(f"/w/{world.workspace_id}/acknowledgements",
                               data=ack_form(csrf, warning, NOTE, f"post:{ask['id']}"),
                               follow_redirects=False)
        assert response.status_code == 303
        assert f"/w/{world.workspace_id}/calendar" in response.headers["location"]
        assert acks(session) == 1

    def test_a_finding_that_changed_meanwhile_is_said_and_nothing_saved(
            self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        stale = {**warning, "post_ids": [ask["id"], "0000-no-such-post"]}
        response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                               data=ack_form(csrf, stale, NOTE, f"post:{ask['id']}"))
        assert response.status_code == 422
        assert "Nothing was acknowledged" in response.text
        assert acks(session) == 0

    def test_withdrawing_makes_the_finding_count_again(self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                    data=ack_form(csrf, warning, NOTE, f"post:{ask['id']}"))
        ack_id = session.exec(select(Acknowledgement.id)).one()
        response = client.post(f"/w/{world.workspace_id}/acknowledgements/{ack_id}/withdraw",
                               headers=HX, data={"csrf_token": csrf,
                                                 "origin": f"post:{ask['id']}"})
        assert response.status_code == 200
        assert "Withdrew the acknowledgement" in response.text
        assert acks(session) == 0

    def test_an_editor_is_not_offered_a_blocking_finding_and_a_forged_form_is_refused(
            self, client, world, session):
        posts = dense_week(client, world, monday())
        density = next(f for f in findings(client, world, monday(), "ask_density"))
        csrf = sign_in(client, world, "editor")
        ask = next(p for p in posts if p["kind"] == "ask")
        page = dialog(client, world, ask["id"])
        assert "Only a lead or an admin can acknowledge a blocking finding" in page
        assert 'value="ask_density"' not in page
        response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                               data=ack_form(csrf, density, NOTE, f"post:{ask['id']}"))
        assert response.status_code == 403
        assert acks(session) == 0

    def test_a_viewer_may_not_acknowledge(self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "viewer")
        assert 'name="note"' not in dialog(client, world, ask["id"])
        response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                               data=ack_form(csrf, warning, NOTE, f"post:{ask['id']}"))
        assert response.status_code == 403
        assert acks(session) == 0

    def test_another_workspaces_acknowledgement_is_not_found(self, client, world, session):
        from tests.conftest import build_world

        rival = build_world(session, name="Rival")
        day = monday()
        _, ask = early_ask(client, rival, day)
        warning = next(f for f in findings(client, rival, day) if ask["id"] in f["post_ids"])
        client.post(rival.path("/acknowledgements"), headers=rival.auth("editor"),
                    json={"code": warning["code"], "channel_id": warning["channel_id"],
                          "story_id": None, "post_ids": warning["post_ids"], "note": NOTE})
        ack_id = session.exec(select(Acknowledgement.id)).one()
        csrf = sign_in(client, world, "admin")
        response = client.post(f"/w/{world.workspace_id}/acknowledgements/{ack_id}/withdraw",
                               data={"csrf_token": csrf, "origin": ""})
        assert response.status_code == 404
        assert acks(session) == 1


class TestOnTheWeekReview:
    def test_a_leads_note_on_a_blocking_finding_is_the_override_reason(
            self, client, world, session):
        day = monday()
        posts = dense_week(client, world, day)
        for post in posts:
            submit(client, world, post)
        density = next(f for f in findings(client, world, day, "ask_density"))
        week = week_of(day)
        csrf = sign_in(client, world, "lead")
        review = client.get(f"/w/{world.workspace_id}/approvals/{week}")
        assert 'id="override"' in review.text
        origin = f"week:{week}:"
        empty = client.post(f"/w/{world.workspace_id}/acknowledgements",
                            data=ack_form(csrf, density, " ", origin))
        assert empty.status_code == 422 and 'id="ack-error-' in empty.text
        assert acks(session) == 0
        page = client.post(f"/w/{world.workspace_id}/acknowledgements",
                           data=ack_form(csrf, density, NOTE, origin))
        assert page.status_code == 200
        assert "Acknowledged this blocking finding" in page.text
        assert 'id="override"' not in page.text
        assert "1 blocking finding acknowledged" in page.text and NOTE in page.text
        token = page.text.split('name="review_token" value="')[1].split('"')[0]
        decided = client.post(f"/w/{world.workspace_id}/approvals/{week}", data={
            "csrf_token": csrf, "decision": "approve", "review_token": token},
            follow_redirects=False)
        assert decided.status_code == 303
        approvals = client.get(world.path(f"/weeks/{week}"),
                               headers=world.auth("lead")).json()["approvals"]
        assert NOTE in approvals[0]["override_reason"]
        session.expire_all()
        statuses = {p.status for p in session.exec(select(Post)).all()}
        assert statuses == {"approved"}

    def test_an_editors_note_on_a_warning_shows_to_the_lead(self, client, world):
        day = monday()
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        client.post(f"/w/{world.workspace_id}/acknowledgements",
                    data=ack_form(csrf, warning, NOTE, f"post:{ask['id']}"))
        submit(client, world, ask)
        sign_in(client, world, "lead")
        review = client.get(f"/w/{world.workspace_id}/approvals/{week_of(day)}")
        assert "Acknowledged</strong> by Editor" in review.text and NOTE in review.text
        queue = client.get(f"/w/{world.workspace_id}/approvals")
        assert f"Acknowledged by Editor: “{NOTE}”" in queue.text


class TestTheFixForThisWeek:
    def test_a_stretch_with_past_asks_offers_the_fix_for_the_week_on_screen(
            self, client, world, session):
        """A dense stretch that began before now can't be ended by changing the
        plan ahead, but next week's asks can leave it."""
        now = datetime.now(UTC).replace(microsecond=0)
        shift = timedelta(days=30)
        made = []
        # A give every day and an ask every other day, from four days ago to two
        # weeks ahead: every window is dense, one stretch.
        for k in range(-4, 15):
            for hours, kind in ((1, "ask"), (3, "give")):
                if kind == "ask" and k % 2:
                    continue
                at = now + timedelta(days=k, hours=hours) + shift
                body = {"channel_id": world.channel_id, "scheduled_at": at.isoformat(),
                        "kind": kind, "text": f"{kind} {k}"}
                response = client.post(world.path("/posts"), json=body,
                                       headers=world.auth("editor"))
                assert response.status_code == 201, response.text
                made.append((k, response.json()["id"]))
        session.expire_all()
        for k, post_id in made:  # back to their real times; the past is published
            row = session.get(Post, post_id)
            assert row is not None
            row.scheduled_at = row.scheduled_at - shift
            if k < 0:
                row.status = "published"
            session.add(row)
        session.commit()
        today = now.astimezone(TZ).date()
        week = today + timedelta(days=7 - today.weekday())
        start = datetime.combine(week, time(0), tzinfo=TZ)
        listed = client.get(world.path("/findings"), headers=world.auth("editor"), params={
            "start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()})
        density = next(f for f in listed.json()["items"] if f["code"] == "ask_density")
        assert not density["suggestions"]  # past asks keep the stretch alive
        # The API lists the fix for the week, as the page offers it.
        assert [w["week"] for w in density["weeks"]] == [week_of(week)]
        api_fix = density["weeks"][0]["suggestions"][0]
        assert api_fix["summary"].startswith("This week: ")
        sign_in(client, world, "editor")
        offers = client.get(f"/w/{world.workspace_id}/fixes?date={week.isoformat()}")
        assert offers.status_code == 200
        slot = f"-{week.isoformat()}']"
        assert slot in offers.text
        part = offers.text.split(slot)[1]
        assert "This week:" in part
        changes = json.loads(part.split('name="changes" value="')[1].split('"')[0]
                             .replace("&#34;", '"').replace("&quot;", '"'))
        assert changes == api_fix["changes"]
        for change in changes:
            post = session.get(Post, change["post_id"])
            assert post is not None and post.kind == "ask"
            assert start <= post.scheduled_at.astimezone(TZ) < start + timedelta(days=7)


class TestCarelessAndHostileForms:
    def test_odd_origins_long_notes_and_garbled_keys_never_500_and_save_nothing(
            self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        cases = [
            ack_form(csrf, warning, "x" * 2001, f"post:{ask['id']}"),
            ack_form(csrf, warning, "x" * 2001, "week:2026-W99:"),
            ack_form(csrf, warning, "x" * 2001, "somewhere else"),
            ack_form(csrf, {**warning, "code": "no_such_code"}, NOTE, f"post:{ask['id']}"),
            ack_form(csrf, {**warning, "channel_id": "nope"}, NOTE, f"post:{ask['id']}"),
            ack_form(csrf, {**warning, "post_ids": ["p"] * 600}, NOTE, f"post:{ask['id']}"),
            {"csrf_token": csrf, "origin": f"post:{ask['id']}"},  # nothing else
        ]
        for data in cases:
            response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                                   data=data)
            assert response.status_code < 500, (data.get("origin"), response.text[:300])
            assert response.status_code in (200, 404, 422), response.status_code
        long_note = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                                data=cases[0])
        assert long_note.status_code == 422 and "at most 2000 characters" in long_note.text
        assert acks(session) == 0

    def test_an_acknowledgement_twice_from_two_tabs_keeps_one_and_says_so(
            self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        csrf = sign_in(client, world, "editor")
        data = ack_form(csrf, warning, NOTE, f"post:{ask['id']}")
        first = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX, data=data)
        second = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX, data=data)
        assert first.status_code == 200
        assert second.status_code == 409
        assert "Nothing was acknowledged" in second.text and "already acknowledged" in second.text
        assert acks(session) == 1

    def test_without_the_csrf_token_nothing_is_saved(self, client, world, session):
        ask, warning = warning_on_ask(client, world)
        sign_in(client, world, "editor")
        response = client.post(f"/w/{world.workspace_id}/acknowledgements", headers=HX,
                               data=ack_form("forged", warning, NOTE, f"post:{ask['id']}"))
        assert response.status_code == 403
        assert acks(session) == 0
