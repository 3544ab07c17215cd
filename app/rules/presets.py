"""The presets of RULES.md and the checks on a profile's overrides.

A profile starts from a preset; a workspace may override single values, and a
channel may override the workspace's effective values. ``None`` turns a rule off.
Shares are kept as exact fractions, so ``0.2`` and ``"1/5"`` are the same limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from app.errors import N_, FieldError, Invalid
from app.rules.facts import (
    CAPACITY_CODE,
    CATEGORIES,
    DEFAULT_SEVERITY,
    PARAM_NAMES,
    SEVERITIES,
    RuleParams,
    Severity,
)

DEFAULT_PRESET = "beth_dunn"


def _preset(**values: Any) -> dict[str, Any]:
    return {name: values.get(name) for name in PARAM_NAMES}


PRESETS: dict[str, dict[str, Any]] = {
    "beth_dunn": _preset(
        listen_days=14,
        min_gives_before_first_ask=8,
        min_gives_between_asks=9,
        window_days=7,
        max_ask_share=Fraction(1, 5),
        min_posts_in_window=5,
        max_gap_days=7,
    ),
    "eighty_twenty": _preset(
        run_length=10,
        max_asks_per_run=2,
        window_days=30,
        max_ask_share=Fraction(1, 5),
        min_posts_in_window=5,
        min_gives_between_asks=1,
    ),
    "four_one_one": _preset(run_length=6, max_asks_per_run=1, min_gives_between_asks=1),
    "five_three_two": _preset(
        run_length=10,
        max_asks_per_run=1,
        min_category_share={"share": Fraction(1, 2), "personal": Fraction(1, 5)},
    ),
    "rule_of_thirds": _preset(
        run_length=9,
        max_asks_per_run=3,
        min_category_share={"share": Fraction(1, 4), "engage": Fraction(1, 4)},
    ),
    "jab_jab_jab_right_hook": _preset(min_gives_between_asks=3, max_gives_without_ask=20),
}

# The smallest value that makes sense for each whole-number parameter. Spans and
# limits that would flag every post (a 0-day window, 0 posts a day) start at 1.
MINIMUMS: dict[str, int] = {
    "listen_days": 0,
    "min_gives_before_first_ask": 0,
    "min_gives_between_asks": 0,
    "window_days": 1,
    "min_posts_in_window": 0,
    "run_length": 1,
    "max_asks_per_run": 0,
    "min_engage_per_run": 0,
    "max_gap_days": 1,
    "max_posts_per_day": 1,
    "min_minutes_between_posts": 0,
    "max_gives_without_ask": 1,
}
# Generous ceilings that keep date arithmetic far from its limits.
MAXIMUMS: dict[str, int] = {
    **{name: 100_000 for name in MINIMUMS},
    "listen_days": 3650,
    "window_days": 3650,
    "max_gap_days": 3650,
    "min_minutes_between_posts": 525_600,
}
SHARE_PARAMS = ("max_ask_share",)


# What is wrong with a value: a catalog word (N_) and its values, worded by
# app/errors.py in the reader's language.
Problem = tuple[str, dict[str, Any]]


def _whole_number(value: Any, minimum: int, maximum: int) -> tuple[int | None, Problem | None]:
    if isinstance(value, bool):
        return None, (N_("must be a whole number"), {})
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        return None, (N_("must be a whole number"), {})
    if value < minimum:
        return None, (N_("must be at least %(least)s"), {"least": minimum})
    if value > maximum:
        return None, (N_("must be at most %(most)s"), {"most": maximum})
    return value, None


_SHARE_TEXT = re.compile(r"\s*(\d{1,12}(\.\d{0,12})?|\.\d{1,12})(\s*/\s*\d{1,12})?\s*")


def parse_share(value: Any) -> tuple[Fraction | None, Problem | None]:
    """A share between 0 and 1 inclusive, from a number, a Fraction or a string
    such as ``"0.2"`` or ``"1/5"``; converted through ``str`` so ``0.2`` is 1/5."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Fraction):
        return None, (N_("must be a number between 0 and 1"), {})
    # Fraction("1e99999999") builds a number with that many digits first: minutes
    # of CPU. A share typed as text is a plain decimal or a fraction.
    if isinstance(value, str) and not _SHARE_TEXT.fullmatch(value):
        return None, (N_("must be a number between 0 and 1, like 0.2 or 1/5"), {})
    try:
        share = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None, (N_("must be a number between 0 and 1"), {})
    if not 0 <= share <= 1:
        return None, (N_("must be between 0 and 1"), {})
    return share, None


def _category_shares(value: Any, where: str) -> tuple[dict[str, Fraction] | None, list[FieldError]]:
    if not isinstance(value, Mapping):
        return None, [FieldError(where, N_("must map categories to shares"), values={})]
    shares: dict[str, Fraction] = {}
    errors: list[FieldError] = []
    for category, raw in value.items():
        field_name = f"{where}.{category}"
        if category not in CATEGORIES:
            errors.append(FieldError(field_name, N_("unknown category %(name)s"),
                                     values={"name": repr(category)}))
            continue
        share, problem = parse_share(raw)
        if problem is not None or share is None:
            message, values = problem or (N_("invalid share"), {})
            errors.append(FieldError(field_name, message, values=values))
            continue
        shares[category] = share
    # Category order is fixed so equal profiles print and compare alike.
    ordered = {c: shares[c] for c in CATEGORIES if c in shares}
    return ordered, errors


def build_params(
    preset: str,
    overrides: Mapping[str, Any] | None = None,
    base: RuleParams | None = None,
) -> RuleParams:
    """The effective parameters: ``base`` (or the preset) with ``overrides`` on top.

    A key given with ``None`` turns that parameter off; absent keys keep their value.
    Raises :class:`Invalid` listing every bad field.
    """
    errors: list[FieldError] = []
    if preset not in PRESETS:
        errors.append(FieldError("preset", N_("unknown preset %(name)s"),
                                 values={"name": repr(preset)}))
    if base is None:
        base = RuleParams(**PRESETS.get(preset, PRESETS[DEFAULT_PRESET]))
        base = _copy_shares(base)
    changes: dict[str, Any] = {}
    for name, raw in (overrides or {}).items():
        where = f"overrides.{name}"
        if name not in PARAM_NAMES:
            errors.append(FieldError(where, N_("unknown rule parameter %(name)s"),
                                     values={"name": repr(name)}))
            continue
        if raw is None:
            changes[name] = None
        elif name in SHARE_PARAMS:
            share, problem = parse_share(raw)
            if problem is not None:
                errors.append(FieldError(where, problem[0], values=problem[1]))
            changes[name] = share
        elif name == "min_category_share":
            shares, problems = _category_shares(raw, where)
            errors.extend(problems)
            changes[name] = shares
        else:
            number, problem = _whole_number(raw, MINIMUMS[name], MAXIMUMS[name])
            if problem is not None:
                errors.append(FieldError(where, problem[0], values=problem[1]))
            changes[name] = number
    if errors:
        raise Invalid(N_("The rules profile is not valid."), errors=errors, values={})
    return replace(base, **changes)


def _copy_shares(params: RuleParams) -> RuleParams:
    # The presets' category maps are shared module state; a profile gets its own.
    if params.min_category_share is None:
        return params
    return replace(params, min_category_share=dict(params.min_category_share))


# A note about the team, not the plan: it never holds a week's approval.
NEVER_BLOCKING = frozenset({CAPACITY_CODE})


def validate_severities(sev: Mapping[str, Any]) -> dict[str, Severity]:
    """Severity overrides per rule code; ``None`` means back to the default."""
    errors: list[FieldError] = []
    result: dict[str, Severity] = {}
    for code, value in sev.items():
        where = f"severities.{code}"
        if code not in DEFAULT_SEVERITY:
            errors.append(FieldError(where, N_("unknown rule code %(code)s"),
                                     values={"code": repr(code)}))
        elif value is None:
            continue
        elif value not in SEVERITIES:
            errors.append(FieldError(where, N_("must be one of info, warning, blocking"),
                                     values={}))
        elif value == "blocking" and code in NEVER_BLOCKING:
            errors.append(FieldError(where, N_(
                "must be info or warning: a team's capacity holds no week back"), values={}))
        else:
            result[code] = value
    if errors:
        raise Invalid(N_("The severities are not valid."), errors=errors, values={})
    return result


def share_as_json(share: Fraction) -> float | str:
    """A share for JSON: a plain number when it has one (``0.2``), else ``"1/3"``.
    Both forms read back exactly through :func:`parse_share`."""
    as_float = float(share)
    if Fraction(str(as_float)) == share:
        return as_float
    return f"{share.numerator}/{share.denominator}"


def params_as_dict(params: RuleParams) -> dict[str, Any]:
    """The parameters as JSON-ready values, every name present (``None`` = off)."""
    out: dict[str, Any] = {}
    for name in PARAM_NAMES:
        value = getattr(params, name)
        if isinstance(value, Fraction):
            out[name] = share_as_json(value)
        elif isinstance(value, Mapping):
            out[name] = {c: share_as_json(s) for c, s in value.items()}
        else:
            out[name] = value
    return out
