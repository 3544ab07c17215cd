"""The rules page (leads and admins): presets with their sources, every parameter
with its meaning, severities, channels' own values; a preview that names the change
and lists what it adds and resolves, saving through the API's service, bad values
next to the field with nothing saved, and a stale form refused."""

from __future__ import annotations

import re
from typing import Any

from tests.api.test_analysis import set_started_on
from tests.api.test_rules_preview import LONG_AGO, local_day, plan_ahead, saved_state
from tests.web.test_login import csrf_from
from tests.web.test_planner import sign_in


def page_form(client, world, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/w/{world.workspace_id}/rules")
    assert page.status_code == 200
    data: dict[str, str] = {"csrf_token": csrf_from(page.text)}
    for name, value in re.findall(r'<input id="f-[^"]*" name="([^"]+)" value="([^"]*)"',
                                  page.text):
        data[name] = value
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                  page.text):
        data[name] = value
    data["preset"] = re.findall(r'name="preset" value="(\w+)" checked', page.text)[0]
    for select, body in re.findall(r'<select id="f-[^"]*" name="([^"]+)"[^>]*>(.*?)</select>',
                                   page.text, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected', body)
        data[select] = chosen[0] if chosen else ""
    data.update(changes)
    return data


def rules(client, world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/workspaces/{world.workspace_id}/rules",
                      headers=world.auth("viewer")).json()


def codes(client, world) -> set[str]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/workspaces/{world.workspace_id}/calendar",
                          headers=world.auth("viewer"),
                          params={"start": local_day(0, 0).isoformat(),
                                  "end": local_day(56, 0).isoformat()})
    assert response.status_code == 200, response.text
    return {f["code"] for f in response.json()["findings"]}


class TestRulesPage:
    def test_a_lead_sees_presets_parameters_and_severities(self, client, world):
        sign_in(client, world, "lead")
        page = client.get(f"/w/{world.workspace_id}/rules")
        assert page.status_code == 200
        for text in ("4-1-1", "Tippingpoint Labs", "Gary Vaynerchuk", "Gives between asks",
                     "How many gives each ask needs since the previous ask.",
                     'name="sev_ask_density"', 'name="new_channel"', "LinkedIn – Acme"):
            assert text in page.text, text
        assert 'name="min_gives_between_asks" value="9"' in page.text
        assert 'aria-current="page">Rules' in page.text

    def test_viewers_and_editors_get_the_403_page(self, client, world):
        for role in ("viewer", "editor"):
            client.cookies.clear()
            sign_in(client, world, role)
            assert client.get(f"/w/{world.workspace_id}/rules").status_code == 403

    def test_preview_names_the_change_lists_findings_and_saves_nothing(self, client, world,
                                                                       session):
        set_started_on(client, world, LONG_AGO)
        plan_ahead(client, world, "ggggggggaagggg")
        sign_in(client, world, "lead")
        state = saved_state(session, world)
        data = page_form(client, world, preset="four_one_one")
        response = client.post(f"/w/{world.workspace_id}/rules/preview", data=data)
        assert response.status_code == 200, response.text
        sentence = re.search(r'role="status">(.*?)</h2>', response.text)
        assert sentence is not None
        assert re.fullmatch(r"Switching to 4-1-1 would add \d+ findings? and resolve \d+ in "
                            r"the next 8 weeks\.", sentence.group(1)), sentence.group(1)
        assert "Added (" in response.text and "Resolved (" in response.text
        assert "LinkedIn – Acme</strong>:" in response.text
        assert 'name="preset" value="four_one_one" checked' in response.text
        assert saved_state(session, world) == state
        assert rules(client, world)["preset"] == "beth_dunn"

    def test_a_changed_value_is_named_in_the_sentence(self, client, world):
        sign_in(client, world, "lead")
        response = client.post(f"/w/{world.workspace_id}/rules/preview",
                               data=page_form(client, world, min_gives_between_asks="4"))
        assert response.status_code == 200
        assert "Setting gives between asks to 4 would add" in response.text
        assert 'name="min_gives_between_asks" value="4"' in response.text

    def test_save_changes_the_profile_and_the_calendars_findings(self, client, world):
        set_started_on(client, world, LONG_AGO)
        plan_ahead(client, world, "ggggggggaagggg")
        sign_in(client, world, "lead")
        before = codes(client, world)
        assert "ask_density" in before and "ask_run" not in before
        response = client.post(f"/w/{world.workspace_id}/rules",
                               data=page_form(client, world, preset="four_one_one",
                                              sev_ask_run="blocking"))
        assert response.status_code == 200, response.text
        assert "Saved." in response.text
        saved = rules(client, world)
        assert saved["preset"] == "four_one_one"
        assert saved["overrides"] == {}
        assert saved["severities"]["ask_run"] == "blocking"
        after = codes(client, world)
        assert "ask_run" in after and "ask_density" not in after

    def test_a_channel_gets_its_own_value_and_keeps_it(self, client, world):
        sign_in(client, world, "lead")
        response = client.post(f"/w/{world.workspace_id}/rules", data=page_form(
            client, world, new_channel=world.channel_id, new_param="listen_days",
            new_value="off"))
        assert response.status_code == 200, response.text
        assert rules(client, world)["channels"] == {world.channel_id: {"listen_days": None}}
        assert f'name="ch__{world.channel_id}__listen_days" value="off"' in response.text
        # Emptying it gives the channel back to the workspace's values.
        client.post(f"/w/{world.workspace_id}/rules", data=page_form(
            client, world, **{f"ch__{world.channel_id}__listen_days": ""}))
        assert rules(client, world)["channels"] == {}

    def test_bad_values_are_shown_next_to_the_field_and_nothing_is_saved(self, client, world,
                                                                        session):
        sign_in(client, world, "lead")
        state = saved_state(session, world)
        for field, value in (("window_days", "-3"), ("max_ask_share", "1.5"),
                             ("run_length", "ten"), ("cat_share", "2")):
            for action in ("/rules", "/rules/preview"):
                response = client.post(f"/w/{world.workspace_id}{action}",
                                       data=page_form(client, world, **{field: value}))
                assert response.status_code == 422, (field, action)
                assert f'id="f-{field}-error"' in response.text, (field, action)
                assert f'value="{value}"' in response.text
        response = client.post(f"/w/{world.workspace_id}/rules", data=page_form(
            client, world, new_channel=world.channel_id, new_param="max_ask_share",
            new_value="3"))
        assert response.status_code == 422
        assert 'id="f-new_value-error"' in response.text
        assert saved_state(session, world) == state

    def test_a_stale_form_is_refused_and_shows_the_rules_now(self, client, world):
        sign_in(client, world, "lead")
        stale = page_form(client, world, min_gives_between_asks="2")
        first = client.post(f"/w/{world.workspace_id}/rules",
                            data=page_form(client, world, min_gives_between_asks="5"))
        assert first.status_code == 200
        response = client.post(f"/w/{world.workspace_id}/rules", data=stale)
        assert response.status_code == 409
        assert "Someone changed the rules meanwhile; here they are now" in response.text
        assert 'name="min_gives_between_asks" value="5"' in response.text
        assert rules(client, world)["effective"]["min_gives_between_asks"] == 5
