"""Passwords and API token secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from pwdlib import PasswordHash

TOKEN_PREFIX = "gka_"
_hasher = PasswordHash.recommended()  # argon2id with current parameters
# A hash to verify against when the email is unknown, so a login takes the
# same time whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a 500
        return False


def new_token() -> tuple[str, str, str]:
    """A new API token: (secret shown once, its display prefix, its hash).

    Tokens carry 256 bits of randomness, so a fast hash is enough to store
    them (unlike passwords) and lets each request find its token by hash.
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[: len(TOKEN_PREFIX) + 6], token_hash(secret)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def same_secret(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def stored_csrf(cookie_session: Mapping[str, Any]) -> str | None:
    """The CSRF token kept in the signed session cookie, if there is one."""
    value = cookie_session.get("csrf")
    return str(value) if value else None
