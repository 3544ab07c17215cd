"""Accounts and workspace membership (invitations: app/services/members.py)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app import i18n
from app.errors import Conflict, FieldError, Invalid, NotFound
from app.i18n import gettext as _
from app.models import Membership, User
from app.security import hash_password, verify_password
from app.services import passwords
from app.services.access import Access


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    local, _at, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise Invalid.one("email", _("is not an email address"))
    return value


def check_password(password: str, field: str = "password", *, email: str = "") -> None:
    passwords.check_password(password, field, email=email)


def find_user(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(*, session: Session, email: str, password: str, name: str = "") -> User:
    email = normalise_email(email)
    check_password(password, email=email)
    if find_user(session=session, email=email) is not None:
        raise Conflict(
            _("There is already an account for %(email)s.") % {"email": email},
            errors=[FieldError("email", _("already has an account"))],
        )
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    check_password(password, email=user.email)
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    user = find_user(session=session, email=email)
    if not verify_password(password, user.password_hash if user else None):
        return None
    return user


def set_membership(*, session: Session, workspace_id: str, user_id: str, role: str) -> Membership:
    membership = session.exec(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    ).first()
    if membership is None:
        membership = Membership(workspace_id=workspace_id, user_id=user_id, role=role)
    else:
        membership.role = role
    session.add(membership)
    session.flush()
    return membership


def list_members(*, session: Session, access: Access) -> list[tuple[Membership, User]]:
    return [
        (m, u)
        for m, u in session.exec(
            select(Membership, User)
            .join(User, col(User.id) == col(Membership.user_id))
            .where(Membership.workspace_id == access.workspace.id)
            .order_by(col(User.email))
        ).all()
    ]


def member_user(*, session: Session, membership: Membership) -> User:
    user = session.get(User, membership.user_id)
    if user is None:
        raise NotFound(_("No member %(id)s.") % {"id": membership.id})
    return user


def get_user(*, session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user %(id)s.") % {"id": user_id})
    return user


# The languages a person may choose for the pages: those with a catalog.
LANGUAGES = i18n.LANGUAGES
NAME_MAX = 120


def choose_language(*, session: Session, user: User, language: str) -> User:
    """The person's own language ("" for none: the browser and workspace decide)."""
    if language and language not in LANGUAGES:
        raise Invalid.one("language", _("Choose one of the languages in the list."))
    if user.language != language:
        user.language = language
        session.add(user)
        session.flush()
    return user


def update_profile(*, session: Session, user: User, name: str, language: str) -> User:
    """Set the person's own name and page language; nothing is saved when
    either is refused."""
    name = name.strip()
    errors = []
    if not name:
        errors.append(FieldError("name", _("Write your name.")))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", _("Keep your name to %(most)d characters (this one "
                                           "has %(count)d).") % {"most": NAME_MAX,
                                                                 "count": len(name)}))
    if language and language not in LANGUAGES:
        errors.append(FieldError("language", _("Choose one of the languages in the list.")))
    if errors:
        raise Invalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    user.name = name
    user.language = language
    session.add(user)
    session.flush()
    return user
