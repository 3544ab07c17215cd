"""The rules profile: a preset, the values a team changed on top of it,
severities per code, and per-channel values."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from app.errors import FieldError, Invalid
from app.i18n import gettext as _
from app.models import Channel, RulesProfile, Workspace
from app.rules.facts import DEFAULT_SEVERITY, Profile, RuleParams
from app.rules.presets import (
    NEVER_BLOCKING,
    PRESETS,
    build_params,
    params_as_dict,
    validate_severities,
)
from app.services import audit
from app.services.access import Access
from app.services.versioning import check_version, save


class RulesProfileIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "preset": "beth_dunn",
            "overrides": {"min_gives_between_asks": 6, "max_posts_per_day": 3},
            "severities": {"ask_too_soon": "blocking"},
            "channels": {"<channel id>": {"listen_days": None}},
        }]},
    )

    preset: str = Field(default="beth_dunn", description="One of the presets of RULES.md")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values on top of the preset; null = off")
    severities: dict[str, Any] = Field(
        default_factory=dict, description="Severity per rule code: info, warning or blocking")
    channels: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-channel parameter values, by channel id")


def _row(session: Session, workspace_id: str) -> RulesProfile | None:
    return session.get(RulesProfile, workspace_id)


def _channel_params(
    preset: str, base: RuleParams, channels: dict[str, dict[str, Any]]
) -> dict[str, RuleParams]:
    result: dict[str, RuleParams] = {}
    errors: list[FieldError] = []
    for channel_id, overrides in channels.items():
        if not overrides:
            continue
        try:
            result[channel_id] = build_params(preset, overrides, base=base)
        except Invalid as exc:
            errors.extend(
                FieldError(f"channels.{channel_id}.{e.field}", e.message) for e in exc.errors
            )
    if errors:
        raise Invalid(_("The per-channel rules are not valid."), errors=errors)
    return result


def load_profile(*, session: Session, workspace: Workspace) -> Profile:
    """The engine's profile for a workspace. Values were validated when saved."""
    row = _row(session, workspace.id)
    preset = workspace.rules_preset if workspace.rules_preset in PRESETS else "beth_dunn"
    overrides = row.overrides if row else {}
    params = build_params(preset, overrides)
    channel_params = _channel_params(preset, params, row.channel_overrides if row else {})
    # A profile saved before a severity was refused for its code keeps the rest.
    kept = {code: value for code, value in (row.severities if row else {}).items()
            if not (value == "blocking" and code in NEVER_BLOCKING)}
    severities = validate_severities(kept)
    return Profile(params=params, severities=severities, channel_params=channel_params)


def describe(*, session: Session, workspace: Workspace) -> dict[str, Any]:
    row = _row(session, workspace.id)
    profile = load_profile(session=session, workspace=workspace)
    return {
        "preset": workspace.rules_preset,
        "overrides": dict(row.overrides) if row else {},
        "severities": {code: profile.severity_of(code) for code in DEFAULT_SEVERITY},
        "severity_overrides": dict(row.severities) if row else {},
        "channels": dict(row.channel_overrides) if row else {},
        "effective": params_as_dict(profile.params),
        "channel_effective": {cid: params_as_dict(p) for cid, p in profile.channel_params.items()},
        "presets": {name: params_as_dict(build_params(name)) for name in PRESETS},
        "version": row.version if row else 0,
    }


def replace_profile(
    *, session: Session, access: Access, data: RulesProfileIn, if_match: int | None
) -> dict[str, Any]:
    """Validate everything first, then save: a bad value changes nothing."""
    access.require("lead")
    workspace = access.workspace
    row = _row(session, workspace.id)
    check_version_of(row, if_match)
    errors: list[FieldError] = []
    params: RuleParams | None = None
    try:
        params = build_params(data.preset, data.overrides)
    except Invalid as exc:
        errors.extend(exc.errors)
    try:
        validate_severities(data.severities)
    except Invalid as exc:
        errors.extend(exc.errors)
    known = set(session.exec(
        select(Channel.id).where(Channel.workspace_id == workspace.id,
                                 col(Channel.id).in_(list(data.channels)))
    ).all()) if data.channels else set()
    for channel_id in data.channels:
        if channel_id not in known:
            errors.append(FieldError(f"channels.{channel_id}",
                                     _("no such channel in this workspace")))
    if params is not None:
        try:
            _channel_params(data.preset, params, data.channels)
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        raise Invalid(summary, errors=errors)
    before = {"preset": workspace.rules_preset, "overrides": dict(row.overrides) if row else {},
              "severities": dict(row.severities) if row else {},
              "channels": dict(row.channel_overrides) if row else {}}
    workspace.rules_preset = data.preset
    save(session, workspace)
    if row is None:
        row = RulesProfile(workspace_id=workspace.id)
    row.overrides = dict(data.overrides)
    row.severities = {k: v for k, v in data.severities.items() if v is not None}
    row.channel_overrides = {k: dict(v) for k, v in data.channels.items() if v}
    row.updated_by_id = access.user_id
    save(session, row)
    audit.record(session=session, access=access, subject_type="rules", subject_id=workspace.id,
                 action="changed", before=before,
                 after={"preset": data.preset, "overrides": row.overrides,
                        "severities": row.severities, "channels": row.channel_overrides})
    return describe(session=session, workspace=workspace)


def check_version_of(row: RulesProfile | None, if_match: int | None) -> None:
    if row is None:
        if if_match not in (None, 0):
            from app.services.versioning import stale

            raise stale(0, if_match)
        return
    check_version(row, if_match)
