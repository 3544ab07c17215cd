"""The rules page (leads and admins): the preset, every parameter with its meaning,
severities per rule code and per-channel values; a preview of what a change would
add and resolve over the next eight weeks, and saving, both through the same
services as the API (app/services/rules_preview.py, app/services/rules_profile.py).

Form fields: ``preset``; each parameter under its own name (blank = off); the
minimum category shares as ``cat_<category>``; ``sev_<code>``; existing channel
values as ``ch__<channel id>__<parameter>``; one new channel value as
``new_channel``/``new_param``/``new_value``. A channel value of ``off`` turns the
rule off on that channel, a blank one removes the channel's own value.

The parameter fields show the effective values; a value that differs from the
preset the page was shown with (``shown_preset``) is the team's own change and is
kept on top of whichever preset is picked, the others follow the preset.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import i18n
from app.db import SessionDep, savepoint
from app.errors import AppError, FieldError, Invalid
from app.i18n import gettext as _
from app.i18n import ngettext, pgettext
from app.routers import Router
from app.rules.facts import CATEGORIES, DEFAULT_SEVERITY, PARAM_NAMES, SEVERITIES
from app.rules.presets import (
    NEVER_BLOCKING,
    PRESETS,
    build_params,
    params_as_dict,
    parse_share,
    share_as_json,
)
from app.services import channels as channel_service
from app.services import rules_preview, rules_profile
from app.services.access import Access
from app.services.rules_profile import RulesProfileIn
from app.web import forms
from app.web.categories import category_label
from app.web.deps import CsrfChecked, CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

# The words below are the reader's: each is made when a page is drawn.


def preset_labels() -> dict[str, str]:
    return {
        "beth_dunn": _("Beth Dunn's rhythm"),
        "eighty_twenty": "80/20",
        "four_one_one": "4-1-1",
        "five_three_two": "5-3-2",
        "rule_of_thirds": _("The rule of thirds"),
        # The name of Gary Vaynerchuk's book, as it is known everywhere.
        "jab_jab_jab_right_hook": "Jab, jab, jab, right hook",
    }


def preset_sentences() -> dict[str, tuple[str, str]]:
    """Each preset in a sentence, and its source (a citation: kept as published)."""
    return {
        "beth_dunn": (_("Listen for two weeks, give eight times before the first ask and nine "
                        "times between asks, and keep asks to a fifth of any week."),
                      'Beth Dunn, "Giving: It\'s Not Just for the Holidays" (Nov 2009)'),
        "eighty_twenty": (_("At most two asks in any ten posts in a row, and at most a fifth of "
                            "a month's posts."), "Tanya Hall (Inc.)"),
        "four_one_one": (_("At most one ask in any six posts in a row, never two asks back to "
                           "back."), "Tippingpoint Labs (2009)"),
        "five_three_two": (_("In any ten posts, at most one ask, half of them others' content "
                             "and a fifth personal."), "TA McCann via Buffer"),
        "rule_of_thirds": (_("In any nine posts, at most three asks, a quarter others' content "
                             "and a quarter conversation."), "Hootsuite"),
        "jab_jab_jab_right_hook": (_("Three gives before each ask, and do ask: twenty gives in "
                                     "a row with no ask is too long."),
                                   "Gary Vaynerchuk, Jab, Jab, Jab, Right Hook (2013)"),
    }


def param_meanings() -> dict[str, tuple[str, str]]:
    """Each parameter's label and what it means."""
    return {
        "listen_days": (_("Listening days"),
                        _("No ask in a channel's first days: listen first.")),
        "min_gives_before_first_ask": (_("Gives before the first ask"),
                                       _("How many gives a channel's first ask needs before "
                                         "it.")),
        "min_gives_between_asks": (_("Gives between asks"),
                                   _("How many gives each ask needs since the previous ask.")),
        "window_days": (_("Density window (days)"), _("The span in which asks are counted.")),
        "max_ask_share": (_("Largest ask share"),
                          _("The share of asks a window may hold, like 0.2 or 1/5.")),
        "min_posts_in_window": (_("Posts a window needs"),
                                _("A window with fewer posts is not judged.")),
        "run_length": (_("Run length (posts)"),
                       _("How many posts in a row the run, mix and conversation rules look "
                         "at.")),
        "max_asks_per_run": (_("Asks per run"), _("The most asks a run of posts may hold.")),
        "min_category_share": (_("Smallest category shares"),
                               _("The share of a run each category needs at least.")),
        "min_engage_per_run": (_("Conversation posts per run"),
                               _("How many engage posts a run needs, so the channel talks with "
                                 "people, not at them.")),
        "max_gap_days": (_("Longest silence (days)"), _("The most days between two posts.")),
        "max_posts_per_day": (_("Posts per day"), _("The most posts on one day.")),
        "min_minutes_between_posts": (_("Minutes between posts"),
                                      _("The least time between two posts.")),
        "max_gives_without_ask": (_("Gives without an ask"),
                                  _("How many gives in a row before the channel should ask.")),
    }


def code_names() -> dict[str, str]:
    """Each rule code, named as the severities list shows it."""
    return {
        "ask_during_listening": _("An ask while listening"),
        "ask_too_early": _("A first ask too early"),
        "ask_too_soon": _("An ask too soon after the last"),
        "ask_density": _("Too many asks in a span of days"),
        "ask_run": _("Too many asks in a run of posts"),
        "category_mix": _("A category short in a run"),
        "broadcast_only": _("Too little conversation"),
        "channel_silent": _("A channel goes quiet"),
        "too_many_posts_per_day": _("Too many posts on a day"),
        "posts_too_close": _("Posts too close together"),
        "no_ask_lately": _("No ask for a long time"),
        "capacity_exceeded": _("A member over their weekly capacity"),
        "story_out_of_order": _("Story episodes out of order"),
        "story_stalled": _("A story stalls"),
        "story_rushed": _("A story rushed"),
        "story_ask_before_payoff": _("A story asks too soon"),
    }

FIELD_NAMES = ("preset", "shown_preset", *PARAM_NAMES, *(f"cat_{c}" for c in CATEGORIES),
               *(f"sev_{code}" for code in DEFAULT_SEVERITY),
               "new_channel", "new_param", "new_value")
FIELD_FOR = {**{f"{code}": f"sev_{code}" for code in DEFAULT_SEVERITY},
             **{c: f"cat_{c}" for c in CATEGORIES}}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Fraction):
        return str(share_as_json(value))
    if isinstance(value, dict):
        return ", ".join(f"{c} {_text(v)}" for c, v in value.items())
    return str(value)


def _said(value: Any) -> str:
    """A value inside a sentence, where categories go by their labels."""
    if isinstance(value, dict):
        return ", ".join(f"{category_label(c)} {_text(v)}" for c, v in value.items())
    return _text(value)


def _current(described: dict[str, Any]) -> forms.Form:
    values = {"preset": described["preset"], "shown_preset": described["preset"],
              "version": str(described["version"])}
    for name, value in described["effective"].items():
        if name == "min_category_share":
            for category in CATEGORIES:
                values[f"cat_{category}"] = _text((value or {}).get(category))
        else:
            values[name] = _text(value)
    for code, severity in described["severities"].items():
        values[f"sev_{code}"] = severity
    for channel_id, overrides in described["channels"].items():
        for name, value in overrides.items():
            values[f"ch__{channel_id}__{name}"] = "off" if value is None else _text(value)
    return forms.Form(values=values)


def _number(text: str) -> Any:
    """A whole number from the form, or the text as typed for the service to refuse."""
    return int(text) if text.lstrip("-").isdigit() else text


def _category_text(text: str) -> Any:
    """``share 0.5, personal 0.2`` (or ``share=0.5``) as a map; anything else as typed."""
    shares: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        bits = part.replace("=", " ").replace(":", " ").split()
        if len(bits) != 2:
            return text
        shares[bits[0]] = bits[1]
    return shares


def _channel_value(name: str, text: str) -> Any:
    if text.lower() == "off":
        return None
    if name == "min_category_share":
        return _category_text(text)
    if name == "max_ask_share":
        return text
    return _number(text)


def _same(name: str, text: str, preset_value: Any) -> bool:
    if name == "max_ask_share":
        share, problem = parse_share(text) if text else (None, None)
        return problem is None and share == preset_value
    return text == _text(preset_value)


def _body(form: forms.Form, raw: dict[str, str], described: dict[str, Any]) -> RulesProfileIn:
    preset = form.get("preset")
    shown = form.get("shown_preset")
    base = PRESETS.get(shown) or PRESETS.get(preset) or PRESETS["beth_dunn"]
    overrides: dict[str, Any] = {}
    for name in PARAM_NAMES:
        if name == "min_category_share":
            typed = {c: form.get(f"cat_{c}") for c in CATEGORIES if form.get(f"cat_{c}")}
            preset_shares = base[name] or {}
            same = (set(typed) == set(preset_shares) and all(
                parse_share(v)[0] == preset_shares[c] for c, v in typed.items()))
            if not same:
                overrides[name] = typed or None
            continue
        text = form.get(name)
        if _same(name, text, base[name]):
            continue
        overrides[name] = None if not text else (text if name == "max_ask_share"
                                                 else _number(text))
    severities = {code: form.get(f"sev_{code}") for code in DEFAULT_SEVERITY
                  if form.get(f"sev_{code}") and form.get(f"sev_{code}") != DEFAULT_SEVERITY[code]}
    channels: dict[str, dict[str, Any]] = {}
    for key, text in raw.items():
        if not key.startswith("ch__") or key.count("__") != 2:
            continue
        _prefix, channel_id, name = key.split("__")
        form.values[key] = text.strip()
        if text.strip():
            channels.setdefault(channel_id, {})[name] = _channel_value(name, text.strip())
    new_channel, new_param, new_value = (form.get("new_channel"), form.get("new_param"),
                                         form.get("new_value"))
    if new_channel and new_param and new_value:
        channels.setdefault(new_channel, {})[new_param] = _channel_value(new_param, new_value)
    elif new_channel or new_value:
        if not new_channel:
            form.errors["new_channel"] = _("Pick a channel.")
        if not new_param:
            form.errors["new_param"] = _("Pick the value to set.")
        if not new_value:
            # "off" is what the field takes, in every language.
            form.errors["new_value"] = _("Write the value, or off.")
    return RulesProfileIn(preset=preset, overrides=overrides, severities=severities,
                          channels=channels)


def _take(form: forms.Form, exc: AppError) -> None:
    """The service's field errors next to their fields; a channel's next to that
    channel's value (or the new value)."""
    others: list[FieldError] = []
    for error in exc.errors:
        parts = error.field.split(".")
        if parts[0] != "channels" or len(parts) < 2:
            others.append(error)
            continue
        channel_id = parts[1]
        name = parts[3] if len(parts) > 3 else ""
        target = f"ch__{channel_id}__{name}"
        if target not in form.values:
            target = "new_value" if name else "new_channel"
        form.errors.setdefault(target, forms.sentence(error.message))
    if others or not exc.errors:
        form.take(Invalid(exc.detail, errors=others) if others else exc, FIELD_FOR)


def _change_words(data: RulesProfileIn, described: dict[str, Any]) -> str:
    parts: list[str] = []
    if data.preset != described["preset"]:
        parts.append(_("Switching to %(preset)s")
                     % {"preset": preset_labels().get(data.preset, data.preset)})
    try:
        proposed = params_as_dict(build_params(data.preset, data.overrides))
    except Invalid:
        proposed = described["effective"]
    changed = [name for name in PARAM_NAMES if proposed[name] != described["effective"][name]]
    if changed and not parts:
        meanings = param_meanings()
        words = []
        for name in changed[:3]:
            label = meanings[name][0]
            if i18n.current() == i18n.DEFAULT:
                label = label.lower()  # English lowers a label inside a sentence; German not
            value = proposed[name]
            words.append(_("turning off %(label)s") % {"label": label} if value is None
                         else _("setting %(label)s to %(value)s")
                         % {"label": label, "value": _said(value)})
        listed = ", ".join(words)
        if len(changed) > 3:
            more = len(changed) - 3
            listed = ngettext("%(list)s and %(n)s more", "%(list)s and %(n)s more",
                              more) % {"list": listed, "n": more}
        parts.append(listed)
    severities = {code: data.severities.get(code, DEFAULT_SEVERITY[code])
                  for code in DEFAULT_SEVERITY}
    if severities != described["severities"]:
        parts.append(_("the new severities"))
    if {k: v for k, v in data.channels.items() if v} != described["channels"]:
        parts.append(_("the channels' own values"))
    if not parts:
        return ""
    joiner = pgettext("joining a list", "and")
    return forms.sentence(f" {joiner} ".join(parts))


def _page(request: Request, session: Session, access: Access, user: Any, form: forms.Form, *,
          status: int = 200, message: str = "", outcome: dict[str, Any] | None = None
          ) -> Response:
    described = rules_profile.describe(session=session, workspace=access.workspace)
    channels = channel_service.all_channels(session=session, access=access)
    names = {c.id: c.name for c in channels}
    existing = sorted({key.split("__")[1] for key in form.values if key.startswith("ch__")})
    return render(request, "rules.html", {
        "user": user, "workspace": access.workspace, "access": access,
        "nav": nav(session, access, "rules"), "form": form, "message": message,
        "described": described, "presets": preset_labels(), "sentences": preset_sentences(),
        "params": param_meanings(), "categories": CATEGORIES, "codes": code_names(),
        "severity_names": SEVERITIES, "never_blocking": NEVER_BLOCKING,
        "channels": channels, "channel_names": names,
        "override_channels": existing, "outcome": outcome,
        "preset_values": json.dumps(_preset_texts())}, status_code=status)


def _preset_texts() -> dict[str, dict[str, str]]:
    """Each preset's values as the form shows them, so the page can refill the
    boxes that still show the old preset's value when another preset is picked."""
    found: dict[str, dict[str, str]] = {}
    for preset, values in PRESETS.items():
        texts: dict[str, str] = {}
        for name in PARAM_NAMES:
            if name == "min_category_share":
                for category in CATEGORIES:
                    texts[f"cat_{category}"] = _text((values.get(name) or {}).get(category))
            else:
                texts[name] = _text(values.get(name))
        found[preset] = texts
    return found


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, access: WebAccess, user: CurrentUser,
               session: SessionDep) -> Response:
    access.require("lead")
    described = rules_profile.describe(session=session, workspace=access.workspace)
    return _page(request, session, access, user, _current(described))


async def _read(request: Request) -> tuple[forms.Form, dict[str, str]]:
    form = await forms.read_form(request, FIELD_NAMES)
    raw = {k: str(v) for k, v in (await request.form()).items() if k.startswith("ch__")}
    return form, raw


@router.post("/rules/preview", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def preview_rules(request: Request, access: WebAccess, user: CurrentUser,
                        session: SessionDep) -> Response:
    access.require("lead")
    form, raw = await _read(request)
    described = rules_profile.describe(session=session, workspace=access.workspace)
    data = _body(form, raw, described)
    if form.errors:
        return _page(request, session, access, user, form, status=422)
    try:
        with savepoint(session):
            result = rules_preview.preview(session=session, access=access, data=data)
    except AppError as exc:
        _take(form, exc)
        return _page(request, session, access, user, form, status=exc.status)
    what = _change_words(data, described)
    weeks = rules_preview.DEFAULT_WEEKS
    if what:
        counts = {"what": what, "added": len(result.added), "resolved": len(result.resolved),
                  "weeks": weeks}
        sentence = ngettext("%(what)s would add %(added)s finding and resolve %(resolved)s in "
                            "the next %(weeks)s weeks.",
                            "%(what)s would add %(added)s findings and resolve %(resolved)s in "
                            "the next %(weeks)s weeks.", len(result.added)) % counts
    else:
        sentence = _("These are the rules in force: nothing would change.")
    return _page(request, session, access, user, form, outcome={
        "sentence": sentence, "added": result.added, "resolved": result.resolved})


@router.post("/rules", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def save_rules(request: Request, access: WebAccess, user: CurrentUser,
                     session: SessionDep) -> Response:
    access.require("lead")
    form, raw = await _read(request)
    described = rules_profile.describe(session=session, workspace=access.workspace)
    data = _body(form, raw, described)
    if form.errors:
        return _page(request, session, access, user, form, status=422)
    try:
        with savepoint(session):
            saved = rules_profile.replace_profile(session=session, access=access, data=data,
                                                  if_match=forms.version_of(form))
    except AppError as exc:
        if exc.status == 412:
            return _page(request, session, access, user, _current(described), status=409,
                         message=_("Someone changed the rules meanwhile; here they are now. "
                                   "Make your change again."))
        _take(form, exc)
        return _page(request, session, access, user, form, status=exc.status)
    return _page(request, session, access, user, _current(saved),
                 message=_("Saved. The calendar and every check now follow these rules."))
