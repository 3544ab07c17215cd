"""Corrections (docs/rules.md, "Corrections"): planning one tells the leads, by
mail when the app can send it and on their approvals page; a lead approves it
on its own, straight from a draft, outside the week's approval."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from app.models import OutboxMessage, Post, User
from app.schemas import PostCreate
from app.services import corrections, posts
from app.services.access import Principal, workspace_access
from tests.conftest import World
from tests.web.test_sessions import sign_in


def soon(days: int = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


def plan(client: Any, world: World, category: str = "correction", role: str = "editor",
         text: str = "We got the price wrong yesterday: the winter blend costs 14 €, not 12 €.",
         ) -> dict[str, Any]:
    response = client.post(world.path("/posts"), headers=world.auth(role), json={
        "channel_id": world.channel_id, "scheduled_at": soon(), "kind": "give",
        "category": category, "text": text})
    assert response.status_code == 201, response.text
    return dict(response.json())


def user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


class TestApprovingACorrection:
    def test_a_lead_approves_a_draft_correction_at_once(self, client, world):
        correction = plan(client, world)
        assert correction["status"] == "draft" and correction["category"] == "correction"
        approved = client.post(world.path(f"/posts/{correction['id']}/approve"),
                               headers=world.auth("lead"))
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"

    def test_any_other_draft_still_waits_for_its_week(self, client, world):
        ordinary = plan(client, world, category="share", text="A tip for the weekend")
        refused = client.post(world.path(f"/posts/{ordinary['id']}/approve"),
                              headers=world.auth("lead"))
        assert refused.status_code == 409
        assert "only submitted posts can be approved" in refused.json()["detail"]

    def test_an_editor_cannot_approve_one(self, client, world):
        correction = plan(client, world)
        refused = client.post(world.path(f"/posts/{correction['id']}/approve"),
                              headers=world.auth("editor"))
        assert refused.status_code == 403

    def test_ask_categories_have_no_correction(self, client, world):
        refused = client.post(world.path("/posts"), headers=world.auth("editor"), json={
            "channel_id": world.channel_id, "scheduled_at": soon(), "kind": "ask",
            "category": "correction", "text": "Not an ask"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"].endswith("category")


class TestTellingTheLeads:
    def test_each_lead_and_admin_but_the_author_gets_a_mail_in_their_language(
            self, session, world):
        lead = user(session, world.users["lead"])
        lead.language = "de"
        session.add(lead)
        author = user(session, world.users["editor"])
        access = workspace_access(session=session, principal=Principal(user_id=author.id),
                                  workspace_id=world.workspace_id)
        data = PostCreate.model_validate({
            "channel_id": world.channel_id, "scheduled_at": soon(), "kind": "give",
            "category": "correction", "text": "The event moved to Friday."})
        posts.create_post(session=session, access=access, data=data,
                          telling=posts.Telling(mail=True, link_base="http://giveask.test"))
        mails = {m.payload["to"]: m.payload for m in session.exec(select(OutboxMessage)).all()}
        assert set(mails) == {world.users["lead"], world.users["admin"]}
        assert mails[world.users["lead"]]["subject"] == "Eine Korrektur zur Freigabe in Acme"
        assert mails[world.users["admin"]]["subject"] == "A correction to approve in Acme"
        assert "The event moved to Friday." in mails[world.users["admin"]]["body"]
        assert f"http://giveask.test/w/{world.workspace_id}/approvals" in \
            mails[world.users["admin"]]["body"]

    def test_no_mail_without_smtp_and_none_for_other_posts(self, session, world):
        author = user(session, world.users["editor"])
        access = workspace_access(session=session, principal=Principal(user_id=author.id),
                                  workspace_id=world.workspace_id)
        for category, telling in (("correction", posts.Telling(mail=False)),
                                  ("share", posts.Telling(mail=True))):
            data = PostCreate.model_validate({
                "channel_id": world.channel_id, "scheduled_at": soon(), "kind": "give",
                "category": category, "text": f"A {category} post"})
            posts.create_post(session=session, access=access, data=data, telling=telling)
        assert session.exec(select(OutboxMessage)).all() == []


class TestTheApprovalsPage:
    def test_the_lead_sees_it_and_approves_it_there(self, client, world, session):
        correction = plan(client, world)
        csrf = sign_in(client, world.users["lead"], world.passwords["lead"])
        page = client.get(f"/w/{world.workspace_id}/approvals")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert "Corrections to approve" in text and "the winter blend costs 14 €" in text
        assert '<span class="badge badge-lead">1' in page.text
        done = client.post(f"/w/{world.workspace_id}/corrections/{correction['id']}/approve",
                           data={"csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303
        assert session.get(Post, correction["id"]).status == "approved"
        after = client.get(done.headers["location"])
        assert "The correction is approved." in after.text
        assert "Corrections to approve" not in after.text

    def test_an_ordinary_post_is_no_correction_to_approve(self, client, world, session):
        ordinary = plan(client, world, category="share", text="A tip")
        csrf = sign_in(client, world.users["lead"], world.passwords["lead"])
        refused = client.post(f"/w/{world.workspace_id}/corrections/{ordinary['id']}/approve",
                              data={"csrf_token": csrf}, follow_redirects=False)
        assert refused.status_code == 404
        # The not-found page says so: the approvals page has no card to say it beside.
        assert "No correction" in html.unescape(refused.text)
        assert "Weeks waiting for approval" not in refused.text
        assert session.get(Post, ordinary["id"]).status == "draft"

    def test_the_dialog_offers_the_checklist(self, client, world):
        sign_in(client, world.users["editor"], world.passwords["editor"])
        dialog = client.get(f"/w/{world.workspace_id}/posts/new").text
        assert "Correcting a mistake? A short checklist" in dialog
        assert '<option value="correction">correction</option>' in dialog


def test_the_page_lists_fifty_and_counts_the_rest(client, world, session):
    at = datetime.now(UTC) + timedelta(days=3)
    session.add_all([Post(workspace_id=world.workspace_id, channel_id=world.channel_id,
                          scheduled_at=at + timedelta(minutes=n), kind="give",
                          category="correction", text=f"Correction {n}")
                     for n in range(corrections.SHOWN + 2)])
    session.commit()
    sign_in(client, world.users["lead"], world.passwords["lead"])
    page = client.get(f"/w/{world.workspace_id}/approvals").text
    assert page.count('class="card correction-card"') == corrections.SHOWN
    assert "and 2 more, in their order" in page
    # The badge counts them all.
    assert f'<span class="badge badge-lead">{corrections.SHOWN + 2}<' in page
