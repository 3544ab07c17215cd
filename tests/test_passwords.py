"""What a new password must be (app/services/passwords.py): plain asserts, no database."""

from __future__ import annotations

import pytest

from app.demo import DEMO_PASSWORDS
from app.errors import Invalid
from app.services.passwords import check_password, common_passwords, password_problem


def test_the_shipped_list_holds_the_common_passwords():
    common = common_passwords()
    assert len(common) > 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common


@pytest.mark.parametrize(("password", "reason"), [
    ("", "only spaces"),
    (" " * 20, "only spaces"),
    ("\t \n" * 5, "only spaces"),
    ("elevenchars", "at least 12 characters"),
    ("x" * 201, "at most 200 characters"),
    ("aaaaaaaaaaaaaaaa", "repeats too few characters"),
    ("abcabcabcabcabc", "repeats too few characters"),
    ("qwertyuiop123", "most common passwords"),
    ("1q2w3e4r5t6y", "most common passwords"),
    ("Sunshine2026!!", "most common passwords"),
    ("!!!football!!!", "most common passwords"),
    ("ana.lopez@example.com", "email address"),
])
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    problem = password_problem(password, email="ana.lopez@example.com")
    assert problem is not None and reason in problem
    with pytest.raises(Invalid) as caught:
        check_password(password, "new_password", email="ana.lopez@example.com")
    assert caught.value.errors[0].field == "new_password"


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "Maple syrup on Tuesdays", "viewer-password-123",
    "twelve chars", *DEMO_PASSWORDS.values(),
])
def test_long_uncommon_passwords_are_accepted(password):
    assert password_problem(password, email="ana.lopez@example.com") is None
