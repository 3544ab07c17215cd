"""What a new password must be: long, not blank, and not one everybody tries.

Length is what makes a password hard to guess (NIST SP 800-63B, OWASP ASVS
2.1); composition rules ("one digit, one symbol") are not asked for. Instead a
password is refused when it is, or is built from, one of the common passwords
that attackers try first (the list in app/data, see its README).
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from importlib import resources

from app.errors import Invalid
from app.i18n import gettext as _
from app.i18n import ngettext

PASSWORD_MIN = 12
PASSWORD_MAX = 200
MIN_DISTINCT_CHARACTERS = 5
# Digits, punctuation and spaces an attacker appends to (or puts in front of) a
# common word: "sunshine2026!", "!!qwertyuiop".
_PADDING = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    data = resources.files("app.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines()
                     if line.strip())


def _is_repeated(value: str) -> bool:
    """"abcabcabcabc", "passwordpassword": one short unit, typed again and again."""
    return re.fullmatch(r"(.+?)\1+", value) is not None


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why this password is refused, in words for the person choosing it; None if fine."""
    if not password.strip():
        return _("cannot be only spaces")
    if len(password) < PASSWORD_MIN:
        return ngettext("must be at least %(least)d character",
                        "must be at least %(least)d characters",
                        PASSWORD_MIN) % {"least": PASSWORD_MIN}
    if len(password) > PASSWORD_MAX:
        return ngettext("must be at most %(most)d character", "must be at most %(most)d characters",
                        PASSWORD_MAX) % {"most": PASSWORD_MAX}
    lowered = password.lower()
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS or _is_repeated(lowered):
        return _("repeats too few characters; a few unrelated words make a good password")
    common = common_passwords()
    core = _PADDING.sub("", lowered)
    if lowered in common or core in common:
        return _("is, or is built on, one of the most common passwords; choose something "
                 "less guessable")
    local = email.strip().lower().partition("@")[0]
    if local and len(local) >= 3 and core in (local, email.strip().lower()):
        return _("must not be your email address")
    return None


def check_password(password: str, field: str = "password", *, email: str = "") -> None:
    problem = password_problem(password, email=email)
    if problem is not None:
        raise Invalid.one(field, problem)
