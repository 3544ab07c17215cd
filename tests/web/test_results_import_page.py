"""The results import page without JavaScript: check a CSV of results, see every
row beside the post it names, enter them, and refusals that name the line and
column with nothing saved."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from app.models import Channel, Post, PostOutcome, Workspace
from tests.conftest import World, build_world
from tests.web.test_outcomes_page import make_post
from tests.web.test_planner import sign_in


def _entered(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(PostOutcome)).one())


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def _path(world: World) -> str:
    return f"/w/{world.workspace_id}/report/results"


def _check(client, world, csrf, body: bytes, **options: str):  # type: ignore[no-untyped-def]
    return client.post(_path(world), data={"csrf_token": csrf, "action": "check", **options},
                       files={"file": ("results.csv", body, "text/csv")})


def test_the_report_links_editors_to_the_page(client, world):
    sign_in(client, world, "editor")
    report = client.get(f"/w/{world.workspace_id}/report").text
    assert f'href="{_path(world)}"' in report
    page = client.get(_path(world))
    assert page.status_code == 200
    assert 'type="file" name="file"' in page.text and 'enctype="multipart/form-data"' in page.text


def test_viewers_neither_see_the_link_nor_open_the_page(client, world):
    sign_in(client, world, "viewer")
    assert f'href="{_path(world)}"' not in client.get(f"/w/{world.workspace_id}/report").text
    assert client.get(_path(world)).status_code == 403


def test_check_shows_each_row_with_its_post_then_enters_them(client, world, session):
    post = make_post(session, world)
    channel = session.get(Channel, world.channel_id)
    zone = session.get(Workspace, world.workspace_id).timezone  # type: ignore[union-attr]
    local = post.scheduled_at.astimezone(ZoneInfo(zone))
    second = make_post(session, world)
    second.scheduled_at = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    session.add(second)
    session.commit()
    second_local = second.scheduled_at.astimezone(ZoneInfo(zone))
    body = ("post_id,channel,scheduled_at,reach,clicks\n"
            f"{post.id},,,1200,7\n"
            f",{channel.name},{second_local:%Y-%m-%d %H:%M},300,\n").encode()  # type: ignore[union-attr]
    csrf = sign_in(client, world, "editor")
    checked = _check(client, world, csrf, body)
    assert checked.status_code == 200, checked.text
    text = checked.text
    assert "results.csv: 2 rows" in text
    assert "<th scope=\"col\" class=\"num\">Reach</th>" in text
    assert "Impressions</th>" not in text  # only the file's own columns
    assert "1,200" in text and "unknown" in text
    assert f"{local:%H:%M}" in text and f"{second_local:%H:%M}" in text
    assert "Enter the results of 2 posts" in text
    assert _entered(session) == 0  # checking writes nothing
    done = client.post(_path(world), data={
        "csrf_token": csrf, "action": "import", "file_b64": _hidden(text, "file_b64"),
        "filename": "results.csv", "date_order": "", "separator": ""})
    assert done.status_code == 200, done.text
    assert "Results entered for 2 posts" in done.text
    session.expire_all()
    first_row = session.get(PostOutcome, post.id)
    second_row = session.get(PostOutcome, second.id)
    assert first_row is not None and (first_row.reach, first_row.clicks) == (1200, 7)
    assert second_row is not None and (second_row.reach, second_row.clicks) == (300, None)


def test_errors_name_line_and_column_and_nothing_is_entered(client, world, session):
    published = make_post(session, world)
    draft = make_post(session, world, status="draft")
    body = ("post_id,reach,conversions\n"
            f"{published.id},-5,2\n"
            f"{draft.id},10,1\n"
            f"{published.id},1,1\n").encode()
    csrf = sign_in(client, world, "editor")
    checked = _check(client, world, csrf, body)
    assert checked.status_code == 422
    text = checked.text
    assert "problems in the file." in text
    assert "Line 2, column reach: must not be negative" in text
    assert re.search(r"Line 3, column post_id: [^<]*(draft|published)", text), text
    assert "Enter the results of" not in text
    # Entering the checked file anyway still refuses it whole.
    forced = client.post(_path(world), data={"csrf_token": csrf, "action": "import",
                                             "file_b64": _hidden(text, "file_b64")})
    assert forced.status_code == 422
    assert _entered(session) == 0


def test_a_file_naming_no_post_is_refused_beside_the_file_field(client, world, session):
    csrf = sign_in(client, world, "editor")
    refused = _check(client, world, csrf, b"reach,clicks\n5,6\n")
    assert refused.status_code == 422
    assert 'id="import-file-error"' in refused.text
    assert "names no post" in refused.text
    assert 'aria-invalid="true" aria-describedby="import-file-error"' in refused.text
    empty = client.post(_path(world), data={"csrf_token": csrf, "action": "check"})
    assert empty.status_code == 422 and "Choose a CSV file with the results." in empty.text
    assert _entered(session) == 0


def test_a_bad_separator_keeps_the_file_and_names_the_choice(client, world, session):
    post = make_post(session, world)
    csrf = sign_in(client, world, "editor")
    refused = _check(client, world, csrf, f"post_id,reach\n{post.id},5\n".encode(),
                     separator="pipe")
    assert refused.status_code == 422
    assert 'id="import-separator-error"' in refused.text
    assert 'name="file_b64"' in refused.text  # the editor only fixes the choice
    assert _entered(session) == 0


def test_without_the_csrf_token_nothing_is_entered(client, world, session):
    post = make_post(session, world)
    sign_in(client, world, "editor")
    response = client.post(_path(world), data={"action": "import"},
                           files={"file": ("r.csv", f"post_id,reach\n{post.id},5\n".encode(),
                                           "text/csv")})
    assert response.status_code == 403
    assert _entered(session) == 0


def test_german_readers_get_german_words_and_a_semicolon_file(client, world, session):
    post = make_post(session, world)
    csrf = sign_in(client, world, "editor")
    client.cookies.set("giveask_lang", "de")
    checked = _check(client, world, csrf, f"post_id;reach\n{post.id};1200\n".encode())
    client.cookies.delete("giveask_lang")
    assert checked.status_code == 200, checked.text
    assert "Ergebnisse" in checked.text
    assert "1.200" in checked.text


def test_another_workspaces_post_is_no_post_here(client, world, session):
    rival = build_world(session, name="Rival Works")
    theirs = make_post(session, rival)
    csrf = sign_in(client, world, "admin")
    checked = _check(client, world, csrf, f"post_id,reach\n{theirs.id},99\n".encode())
    assert checked.status_code == 422
    assert "Line 2, column post_id:" in checked.text
    assert "A useful tip" not in checked.text  # nothing of their post shows
    forced = client.post(_path(world), data={"csrf_token": csrf, "action": "import",
                                             "file_b64": _hidden(checked.text, "file_b64")})
    assert forced.status_code == 422
    assert _entered(session) == 0


def test_a_file_of_megabytes_under_the_limit_is_read(client, world, session):
    post = make_post(session, world)
    csrf = sign_in(client, world, "editor")
    rows = "".join(f"{post.id},{n},{'x' * 200}\n" for n in range(9_000))
    body = ("post_id,reach,note\n" + rows).encode()
    assert len(body) > 2_000_000
    checked = _check(client, world, csrf, body)
    # Read whole, row by row: the same post 8,999 times more, and the unknown column.
    assert checked.status_code == 422
    assert "Line 3, column post_id: the same post as line 2" in checked.text
    assert "Line 1, column note: unknown column" in checked.text
    # The first fifty are listed, and how many more there are.
    assert checked.text.count("the same post as line 2") == 49
    assert "and 8,950 more" in checked.text
    assert _entered(session) == 0


def test_a_file_past_the_limit_is_refused_beside_the_field(client, world, session):
    csrf = sign_in(client, world, "editor")
    big = b"post_id,reach\n" + b"x,1\n" * 1_600_000  # 6.4 MB, past the 5 MB limit
    refused = _check(client, world, csrf, big)
    assert refused.status_code == 413
    assert 'id="import-file-error"' in refused.text
    huge = _check(client, world, csrf, big * 2)  # past what a form part may hold
    assert huge.status_code in (400, 413), huge.status_code
    assert _entered(session) == 0


def test_an_export_with_figure_columns_added_comes_back_as_it_is(client, world, session):
    first = make_post(session, world)
    second = make_post(session, world)
    second.scheduled_at = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    session.add(second)
    session.commit()
    exported = client.get(world.path("/posts.csv"), headers=world.auth("viewer"), params={
        "status": "published", "start": "2026-11-23T00:00:00+01:00",
        "end": "2026-11-30T00:00:00+01:00"})
    assert exported.status_code == 200, exported.text
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3 and "post_id" not in lines[0]
    # The team adds two columns from its analytics, row by row, and changes nothing else.
    body = "\r\n".join([lines[0] + ",reach,conversions",
                        lines[1] + ",500,3", lines[2] + ",700,"]).encode("utf-8-sig")
    csrf = sign_in(client, world, "editor")
    checked = _check(client, world, csrf, body)
    assert checked.status_code == 200, checked.text
    assert "Enter the results of 2 posts" in checked.text
    done = client.post(_path(world), data={"csrf_token": csrf, "action": "import",
                                           "file_b64": _hidden(checked.text, "file_b64")})
    assert done.status_code == 200 and "Results entered for 2 posts" in done.text
    session.expire_all()
    figures = {p.id: (o.reach, o.conversions) for p in (first, second)
               if (o := session.get(PostOutcome, p.id)) is not None}
    assert figures == {first.id: (500, 3), second.id: (700, None)}


def test_a_misspelt_figure_column_is_still_named(client, world, session):
    post = make_post(session, world)
    csrf = sign_in(client, world, "editor")
    checked = _check(client, world, csrf, f"post_id,reach,reech\n{post.id},5,6\n".encode())
    assert checked.status_code == 422
    assert "Line 1, column reech: unknown column" in checked.text
    assert _entered(session) == 0


def test_a_checked_file_of_megabytes_is_entered_too(client, world, session):
    """The checked file comes back base64 in a text field: 4/3 of its size, more than
    a form field's default megabyte."""
    at = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    posts = [Post(workspace_id=world.workspace_id, channel_id=world.channel_id,
                  scheduled_at=at + timedelta(minutes=n), kind="give", text=f"Tip {n}",
                  status="published", published_at=at) for n in range(5_000)]
    session.add_all(posts)
    session.commit()
    note = "x" * 200  # the export's text column, information to the results import
    body = ("post_id,text,reach\n" + "".join(f"{p.id},{note},{n}\n"
                                             for n, p in enumerate(posts))).encode()
    assert len(body) > 1_200_000
    csrf = sign_in(client, world, "editor")
    checked = _check(client, world, csrf, body)
    assert checked.status_code == 200, checked.text[:500]
    done = client.post(_path(world), data={"csrf_token": csrf, "action": "import",
                                           "file_b64": _hidden(checked.text, "file_b64")})
    assert done.status_code == 200, done.text[:500]
    assert "Results entered for 5,000 posts" in done.text
    assert _entered(session) == 5_000


def test_a_channel_named_like_a_formula_comes_back_from_the_export(client, world, session):
    channel = session.get(Channel, world.channel_id)
    assert channel is not None
    channel.name = "-Sale team"
    session.add(channel)
    post = make_post(session, world)
    exported = client.get(world.path("/posts.csv"), headers=world.auth("viewer"), params={
        "status": "published", "start": "2026-11-23T00:00:00+01:00",
        "end": "2026-11-30T00:00:00+01:00"})
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert lines[1].startswith("'-Sale team,")  # guarded against a spreadsheet's formula
    body = (lines[0] + ",reach\r\n" + lines[1] + ",42\r\n").encode()
    csrf = sign_in(client, world, "editor")
    checked = _check(client, world, csrf, body)
    assert checked.status_code == 200, checked.text[:800]
    done = client.post(_path(world), data={"csrf_token": csrf, "action": "import",
                                           "file_b64": _hidden(checked.text, "file_b64")})
    assert done.status_code == 200
    session.expire_all()
    row = session.get(PostOutcome, post.id)
    assert row is not None and row.reach == 42
