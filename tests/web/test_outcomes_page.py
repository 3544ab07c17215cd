"""A published post's results in its dialog: shown only for published posts,
saved without JavaScript and with HTMX, refusals next to their field with
nothing saved, read-only for viewers, and in German."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import Session, func, select

from app.models import Post, PostOutcome
from tests.conftest import World
from tests.web.test_planner import sign_in

FIGURES = ("reach", "impressions", "engagements", "clicks", "conversions")


def make_post(session: Session, world: World, status: str = "published") -> Post:
    at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    post = Post(workspace_id=world.workspace_id, channel_id=world.channel_id, scheduled_at=at,
                kind="give", text="A useful tip", status=status,
                published_at=at if status == "published" else None)
    session.add(post)
    session.commit()
    return post


def saved(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(PostOutcome)).one())


def edit_page(world: World, post: Post) -> str:
    return f"/w/{world.workspace_id}/posts/{post.id}/edit"


def outcome_url(world: World, post: Post) -> str:
    return f"/w/{world.workspace_id}/posts/{post.id}/outcome"


def typed(csrf: str, version: str = "0", **figures: str) -> dict[str, str]:
    return {"csrf_token": csrf, "version": version, **dict.fromkeys(FIGURES, ""), **figures}


class TestTheResultsFieldset:
    def test_a_published_post_shows_five_number_inputs(self, client, world, session):
        sign_in(client, world)
        page = client.get(edit_page(world, make_post(session, world))).text
        assert 'class="outcome-form"' in page
        for name in FIGURES:
            assert f'id="f-outcome-{name}"' in page
        assert page.count('inputmode="numeric" min="0"') == 5

    def test_an_unpublished_post_shows_none(self, client, world, session):
        sign_in(client, world)
        for status in ("draft", "approved"):
            page = client.get(edit_page(world, make_post(session, world, status))).text
            assert "outcome-form" not in page

    def test_a_viewer_sees_the_results_but_cannot_save_them(self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world, role="viewer")
        page = client.get(edit_page(world, post)).text
        assert 'class="outcome-form"' in page and "Save results" not in page
        response = client.post(outcome_url(world, post), data=typed(csrf, reach="5"))
        assert response.status_code == 403
        assert saved(session) == 0


class TestSaving:
    def test_without_javascript_it_saves_and_shows_the_dialog_again(self, client, world,
                                                                    session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        response = client.post(outcome_url(world, post), follow_redirects=False,
                               data=typed(csrf, reach="1200", clicks="7"))
        assert response.status_code == 303
        assert response.headers["location"] == edit_page(world, post)
        session.expire_all()
        row = session.get(PostOutcome, post.id)
        assert row is not None and (row.reach, row.clicks, row.impressions) == (1200, 7, None)
        page = client.get(edit_page(world, post)).text
        assert 'value="1200"' in page and 'name="version" value="1"' in page

    def test_with_htmx_the_dialog_says_so(self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        response = client.post(outcome_url(world, post), headers={"HX-Request": "true"},
                               data=typed(csrf, conversions="3"))
        assert response.status_code == 200
        assert "Results saved." in response.text and 'value="3"' in response.text
        assert saved(session) == 1

    def test_bad_figures_are_shown_next_to_their_fields_and_nothing_is_saved(
            self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        response = client.post(outcome_url(world, post),
                               data=typed(csrf, reach="-5", clicks="1.5", engagements="12",
                                          impressions=str(10**12 + 1), conversions="9" * 5000))
        assert response.status_code == 422
        for name in ("reach", "clicks", "impressions", "conversions"):
            assert f'id="outcome-{name}-error"' in response.text
        assert 'id="outcome-engagements-error"' not in response.text
        # What was typed stays in the fields.
        assert 'value="-5"' in response.text and 'value="12"' in response.text
        # In the page's words, not pydantic's.
        errors = dict(re.findall(r'id="outcome-(\w+)-error">([^<]+)<', response.text))
        assert errors["reach"] == "Must not be negative."
        assert errors["impressions"] == "Must be at most 1,000,000,000,000."
        assert errors["clicks"] == "A whole number, like 1200."
        assert "Input should" not in response.text
        assert saved(session) == 0

    def test_leading_zeros_make_no_figure_larger(self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        response = client.post(outcome_url(world, post), follow_redirects=False,
                               data=typed(csrf, reach="0" * 30 + "12"))
        assert response.status_code == 303
        session.expire_all()
        row = session.get(PostOutcome, post.id)
        assert row is not None and row.reach == 12

    def test_digits_of_other_scripts_are_no_figure(self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        response = client.post(outcome_url(world, post),
                               data=typed(csrf, reach="１２", clicks="١٢"))
        assert response.status_code == 422
        assert 'id="outcome-reach-error"' in response.text
        assert 'id="outcome-clicks-error"' in response.text
        assert saved(session) == 0

    def test_a_stale_version_is_refused_with_the_current_results(self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        client.post(outcome_url(world, post), data=typed(csrf, reach="10"))
        response = client.post(outcome_url(world, post), data=typed(csrf, reach="20"))
        assert response.status_code == 412
        assert "Someone else changed these results" in response.text
        assert 'value="10"' in response.text
        session.expire_all()
        row = session.get(PostOutcome, post.id)
        assert row is not None and row.reach == 10

    def test_an_unpublished_post_is_refused(self, client, world, session):
        post = make_post(session, world, "approved")
        csrf = sign_in(client, world)
        response = client.post(outcome_url(world, post), data=typed(csrf, reach="10"))
        assert response.status_code == 409
        assert "only published posts" in response.text
        assert saved(session) == 0


class TestGerman:
    def test_labels_and_refusals_in_german(self, client, world, session):
        post = make_post(session, world)
        csrf = sign_in(client, world)
        de = {"Accept-Language": "de"}
        page = client.get(edit_page(world, post), headers=de).text
        assert "Ergebnisse" in page and "Reichweite" in page
        response = client.post(outcome_url(world, post), headers=de,
                               data=typed(csrf, reach="viele"))
        assert response.status_code == 422
        assert "Eine ganze Zahl, etwa 1200." in response.text
