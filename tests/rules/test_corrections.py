"""Correction posts (docs/rules.md, "Corrections"): a give that admits a mistake.
It never counts as an ask, no ask rule ever names it as the ask, and the pacing
rules never hold it back: it may go out next to another post or on a full day."""

from datetime import timedelta

from app.rules import PostFact, analyse
from app.rules.facts import ASK_CODES, CORRECTION, GIVE_CATEGORIES

from .builders import codes, make_plan, of_code, params, series, utc

START = utc("2026-06-01 09:00")
MINUTE = timedelta(minutes=1)
EVERY_RULE = params(
    min_gives_between_asks=3, min_gives_before_first_ask=2, window_days=7,
    max_ask_share="1/3", run_length=6, max_asks_per_run=1, min_engage_per_run=1,
    max_gap_days=3, max_posts_per_day=3, min_minutes_between_posts=60,
    max_gives_without_ask=4)


def post(n: int, at, kind: str = "give", category: str | None = None) -> PostFact:
    return PostFact(f"row-{n:06d}", "c1", at, kind, category)


def test_a_correction_is_a_give_category():
    assert CORRECTION in GIVE_CATEGORIES


def test_close_to_another_post_is_fine_for_a_correction():
    rules = params(min_minutes_between_posts=60)
    plan = [post(0, START), post(1, START + 10 * MINUTE, category=CORRECTION)]
    assert analyse(make_plan(plan, rules)) == []
    # Two ordinary posts stay too close with a correction between them.
    plan = [post(0, START), post(1, START + 10 * MINUTE, category=CORRECTION),
            post(2, START + 20 * MINUTE)]
    (close,) = analyse(make_plan(plan, rules))
    assert close.code == "posts_too_close" and close.post_ids == ("row-000000", "row-000002")
    assert close.details["minutes_apart"] == 20


def test_a_full_day_still_takes_a_correction():
    rules = params(max_posts_per_day=3)
    day = [post(n, START + n * 60 * MINUTE) for n in range(3)]
    corrections = [post(3, START + 200 * MINUTE, category=CORRECTION),
                   post(4, START + 300 * MINUTE, category=CORRECTION)]
    assert analyse(make_plan(day + corrections, rules)) == []
    crowded = analyse(make_plan([*day, post(5, START + 400 * MINUTE), *corrections], rules))
    (finding,) = of_code(crowded, "too_many_posts_per_day")
    assert finding.details["posts"] == 4
    assert "row-000003" not in finding.post_ids and "row-000004" not in finding.post_ids


def test_no_ask_rule_ever_names_a_correction_as_its_ask():
    # Every rule on, a plan dense with asks and corrections among them.
    plan = series("aagaagaaga", START, step=timedelta(hours=5))
    corrections = [post(20 + n, START + (n * 5 + 2) * 60 * MINUTE, category=CORRECTION)
                   for n in range(10)]
    findings = analyse(make_plan(plan + corrections, EVERY_RULE))
    assert any(code in ASK_CODES for code in codes(findings))  # the asks are flagged
    correction_ids = {p.id for p in corrections}
    for finding in findings:
        if finding.code in ASK_CODES:
            flagged = finding.post_ids if finding.code != "ask_density" else ()
            assert not correction_ids & set(flagged), finding
        if finding.code in ("posts_too_close", "too_many_posts_per_day"):
            assert not correction_ids & set(finding.post_ids), finding


def test_a_correction_counts_as_a_give_between_asks():
    rules = params(min_gives_between_asks=2)
    plan = [post(0, START, "ask", "offer"), post(1, START + 60 * MINUTE, category="share"),
            post(2, START + 120 * MINUTE, category=CORRECTION),
            post(3, START + 180 * MINUTE, "ask", "offer")]
    assert of_code(analyse(make_plan(plan, rules)), "ask_too_soon") == []
