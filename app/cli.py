"""The `giveask` command: serve, migrate, demo, workspaces, channels, users, tokens, check."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from sqlmodel import Session

from app.config import Settings, get_settings
from app.db import database_url_for_display, get_engine
from app.errors import AppError

if TYPE_CHECKING:
    from collections.abc import Callable

    from alembic.config import Config
    from pydantic import BaseModel

    from app.models import Workspace
    from app.rules import Finding
    from app.services.access import Access
    from app.services.outbox import Mail

    M = TypeVar("M", bound=BaseModel)

cli = typer.Typer(help="Giveask: a content calendar that keeps self-promotion honest.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
user_cli = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
token_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
workspace_cli = typer.Typer(help="Manage workspaces.", no_args_is_help=True)
channel_cli = typer.Typer(help="Manage channels.", no_args_is_help=True)
cli.add_typer(workspace_cli, name="workspace")
cli.add_typer(channel_cli, name="channel")
cli.add_typer(user_cli, name="user")
cli.add_typer(token_cli, name="token")

ROLES = ("viewer", "editor", "lead", "admin")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def project_root() -> Path:
    """Where alembic.ini and migrations/ are: the checkout (editable install)
    or the working directory (the Docker image)."""
    for candidate in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (candidate / "alembic.ini").is_file() and (candidate / "migrations").is_dir():
            return candidate
    raise _fail("cannot find alembic.ini and migrations/; run from the project directory")


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    root = project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["skip_logging"] = True
    if url:
        config.attributes["database_url"] = url
    return config


def run_migrations(url: str | None = None) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    run_migrations()
    typer.echo(f"Database at {database_url_for_display(settings.database_url)} is up to date.")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: GIVEASK_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: GIVEASK_PORT or 8000")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes, each listening on the port")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    demo: Annotated[bool, typer.Option(
        "--demo/--no-demo",
        help="Load the demo workspace into an empty database first (default: a clean "
             "instance, set up in the browser at /setup)")] = False,
) -> None:
    """Migrate the database, then serve the app with uvicorn."""
    from app.serving import Serving
    from app.serving import serve as serve_app

    settings = get_settings()
    settings.resolved_secret_key()  # refuse to start in production without a real secret
    run_migrations()
    if demo:
        _load_demo(if_empty=True)
    bind_host = host or settings.host
    bind_port = port or settings.port
    if settings.inline_worker:
        _start_worker(settings)
    with Session(get_engine()) as session:
        from app.services.setup import needs_setup

        fresh = needs_setup(session=session)
    typer.echo(f"Giveask on http://{bind_host}:{bind_port}/  (API docs: /docs)")
    if fresh:
        typer.echo(f"A new instance: open http://{bind_host}:{bind_port}/setup to create the "
                   "first admin and workspace.")
    serve_app(Serving(
        factory="app.main:app_factory", host=bind_host, port=bind_port,
        workers=workers or settings.workers, log_level=settings.log_level.lower(),
    ), reload=reload)


def _mail_sender(settings: Settings, *, say_if_missing: bool) -> Callable[[Mail], None] | None:
    from app.mailer import MailSettingsError, smtp_sender

    if not settings.smtp_url:
        if say_if_missing:
            typer.echo("GIVEASK_SMTP_URL is not set: there is no mail server to send through, "
                       "so mail waits in the outbox; webhooks are delivered.", err=True)
        return None
    try:
        return smtp_sender(settings.smtp_url, settings.mail_from)
    except MailSettingsError as exc:
        raise _fail(str(exc)) from None


def _start_worker(settings: Settings) -> None:
    """The outbox's mail and webhooks, sent from a thread of this process (state
    is in the database, so separate `giveask worker` processes may run as well)."""
    import threading

    from app.worker import run

    send_mail = _mail_sender(settings, say_if_missing=False) if settings.mail_worker else None
    threading.Thread(target=run, daemon=True, name="giveask-worker", kwargs={
        "engine": get_engine(), "send_mail": send_mail, "stop": threading.Event(),
        "allow_private": settings.webhooks_allow_private,
        "timeout": settings.webhook_timeout}).start()


@cli.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round, then stop")] = False,
    every: Annotated[float, typer.Option(help="Seconds between rounds")] = 5.0,
) -> None:
    """Send the outbox's mail (invitations, over GIVEASK_SMTP_URL) and deliver
    webhooks. Any number may run, on any machine that reaches the database."""
    import signal
    import threading

    from app.worker import Totals, run

    settings = get_settings()
    send_mail = _mail_sender(settings, say_if_missing=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        totals = run(engine=get_engine(), send_mail=send_mail, stop=stop, every=every,
                     once=once, allow_private=settings.webhooks_allow_private,
                     timeout=settings.webhook_timeout)
    except KeyboardInterrupt:
        totals = Totals()
    typer.echo(f"Sent {totals.mail} mail(s). Delivered {totals.webhooks} webhook(s).")


@cli.command()
def demo(
    if_empty: Annotated[bool, typer.Option("--if-empty",
                                           help="Only load into an empty database")] = False,
) -> None:
    """Load the demo workspace "Demo Café" (running it twice changes nothing)."""
    run_migrations()
    _load_demo(if_empty=if_empty)


def _load_demo(*, if_empty: bool) -> None:
    from app.demo import DEMO_EMAIL, DEMO_PASSWORDS, load_demo
    from app.models import Workspace

    with Session(get_engine(), expire_on_commit=False) as session:
        if if_empty and session.query(Workspace).first() is not None:
            typer.echo("The database already has workspaces; demo not loaded.")
            return
        result = load_demo(session=session, today=date.today())
        session.commit()
    verb = "Loaded" if result.created else "Found"
    typer.echo(f"{verb} the demo workspace {result.workspace.name!r} "
               f"({result.posts} posts, time zone {result.workspace.timezone}).")
    typer.echo("Sign in with one of:")
    for role, password in DEMO_PASSWORDS.items():
        typer.echo(f"  {role:<7} {DEMO_EMAIL.format(role=role):<28} password: {password}")


@user_cli.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="The sign-in email")],
    password: Annotated[str | None, typer.Option(help="Asked for when left out")] = None,
    name: Annotated[str, typer.Option(help="Display name")] = "",
    workspace: Annotated[
        str | None, typer.Option(help="Add to this workspace (name or id)")
    ] = None,
    role: Annotated[str, typer.Option(help="Role in --workspace")] = "editor",
) -> None:
    """Create a user account, optionally adding it to a workspace."""
    from app.services import users
    from app.services.workspaces import find_workspace

    if role not in ROLES:
        raise _fail(f"--role must be one of {', '.join(ROLES)}")
    if password is None:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
    run_migrations()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            user = users.create_user(session=session, email=email, password=password, name=name)
            if workspace:
                target = find_workspace(session=session, name_or_id=workspace)
                users.set_membership(session=session, workspace_id=target.id, user_id=user.id,
                                     role=role)
            session.commit()
        except AppError as exc:
            raise _fail(_describe(exc)) from None
    typer.echo(f"Created {user.email}" + (f" as {role} of {workspace}" if workspace else "") + ".")


@token_cli.command("create")
def token_create(
    workspace: Annotated[str, typer.Option(help="Workspace name or id")],
    role: Annotated[str, typer.Option(help="viewer, editor, lead or admin")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by")] = "",
) -> None:
    """Create an API token. The secret is printed once, alone on the last line."""
    from app.services.tokens import create_token
    from app.services.workspaces import find_workspace

    if role not in ROLES:
        raise _fail(f"--role must be one of {', '.join(ROLES)}")
    run_migrations()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            target = find_workspace(session=session, name_or_id=workspace)
            token, secret = create_token(session=session, workspace=target, role=role,
                                         name=name or "command line", created_by_id=None)
            session.commit()
        except AppError as exc:
            raise _fail(_describe(exc)) from None
    typer.echo(f"Token {token.prefix}… ({role}) for workspace {target.name!r} "
               f"[{target.id}]. It is shown once; store it now:")
    typer.echo(secret)


def _operator_access(workspace: Workspace) -> Access:
    """The command line acts for the operator, who may do anything in a workspace:
    an admin, signed in as nobody."""
    from app.services.access import Access, Principal

    return Access(workspace=workspace, role="admin", principal=Principal())


def _option_error(exc: AppError, options: Mapping[str, str]) -> typer.Exit:
    """Bad input as one line naming the command's own options (--timezone, not
    timezone); any other refusal (a taken name, say) in the service's words."""
    from app.errors import Invalid

    if not isinstance(exc, Invalid) or not exc.errors:
        return _fail(exc.detail)
    return _fail("; ".join(
        f"option {options[e.field]}: {e.message}" if e.field in options
        else f"{e.field}: {e.message}" for e in exc.errors))


def _validated(model: type[M], data: dict[str, object], options: Mapping[str, str]) -> M:
    from pydantic import ValidationError

    from app.errors import invalid_from

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _option_error(invalid_from(exc.errors()), options) from None


WORKSPACE_OPTIONS = {"name": "--name", "timezone": "--timezone", "rules_preset": "--preset"}


@workspace_cli.command("create")
def workspace_create(
    name: Annotated[str, typer.Option(help="The workspace's name")],
    timezone: Annotated[str, typer.Option(help="IANA time zone its days and weeks are cut "
                                          "in, like Europe/Berlin")],
    preset: Annotated[str, typer.Option(help="Rules preset")] = "beth_dunn",
    admin: Annotated[str | None, typer.Option(
        help="Email of an existing account that becomes the workspace's admin")] = None,
) -> None:
    """Create a workspace. Its id is printed alone on the last line."""
    from app.rules.presets import PRESETS
    from app.schemas import WorkspaceCreate
    from app.services.users import find_user
    from app.services.workspaces import create_workspace

    if preset not in PRESETS:
        raise _fail(f"option --preset: unknown preset {preset!r} "
                    f"(known: {', '.join(sorted(PRESETS))})")
    data = _validated(WorkspaceCreate, {"name": name, "timezone": timezone,
                                        "rules_preset": preset}, WORKSPACE_OPTIONS)
    run_migrations()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            user = None
            if admin is not None:
                user = find_user(session=session, email=admin)
                if user is None:
                    raise _fail(f"option --admin: no account with the email {admin!r}; "
                                "create it first with `giveask user create`")
            workspace = create_workspace(session=session, data=data,
                                         admin_user_id=user.id if user else None)
            session.commit()
        except AppError as exc:
            raise _option_error(exc, WORKSPACE_OPTIONS) from None
    typer.echo(f"Created workspace {workspace.name!r} (time zone {workspace.timezone}, "
               f"preset {workspace.rules_preset})"
               + (f" with {user.email} as its admin." if user else "."))
    typer.echo(workspace.id)


CHANNEL_OPTIONS = {"name": "--name", "platform": "--platform", "started_on": "--started-on"}


@channel_cli.command("create")
def channel_create(
    workspace: Annotated[str, typer.Option(help="Workspace name or id")],
    name: Annotated[str, typer.Option(help="The channel's name, like \"LinkedIn – Acme\"")],
    platform: Annotated[str, typer.Option(help="linkedin, instagram, x, facebook, mastodon, "
                                          "bluesky, threads, tiktok, youtube, newsletter "
                                          "or other")],
    started_on: Annotated[str | None, typer.Option(
        help="Date (YYYY-MM-DD) the channel started; its listening phase counts from it")
    ] = None,
) -> None:
    """Create a channel in a workspace. Its id is printed alone on the last line."""
    from app.platforms import PLATFORMS, normalise
    from app.schemas import ChannelCreate
    from app.services.channels import create_channel
    from app.services.workspaces import find_workspace

    if normalise(platform) not in PLATFORMS:
        raise _fail(f"option --platform: unknown platform {platform!r} "
                    f"(one of {', '.join(PLATFORMS)})")
    data = _validated(ChannelCreate, {"name": name, "platform": normalise(platform),
                                      "started_on": started_on}, CHANNEL_OPTIONS)
    run_migrations()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            target = find_workspace(session=session, name_or_id=workspace)
            channel = create_channel(session=session, access=_operator_access(target),
                                     data=data)
            session.commit()
        except AppError as exc:
            raise _option_error(exc, CHANNEL_OPTIONS) from None
    typer.echo(f"Created channel {channel.name!r} ({channel.platform}"
               + (f", started on {channel.started_on.isoformat()}" if channel.started_on
                  else "")
               + f") in workspace {target.name!r} [{target.id}].")
    typer.echo(channel.id)


@user_cli.command("set-password")
def user_set_password(
    email: Annotated[str, typer.Option(help="The account's sign-in email")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the new password from the first line of stdin "
        "(for scripts) instead of asking for it")] = False,
) -> None:
    """Set a user's password (asked for twice, not shown) and sign them out
    everywhere."""
    from app.db import utcnow
    from app.services import login_throttle, sessions, users

    run_migrations()
    with Session(get_engine(), expire_on_commit=False) as session:
        user = users.find_user(session=session, email=email)
        if user is None:
            raise _fail(f"option --email: no account with the email {email!r}")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("New password", hide_input=True,
                                    confirmation_prompt=True)
        try:
            users.set_password(session=session, user=user, password=password)
        except AppError as exc:
            raise _fail("; ".join(f"the new password {e.message}" for e in exc.errors)
                        or exc.detail) from None
        ended = sessions.end_user_sessions(session=session, user_id=user.id, now=utcnow())
        # The operator vouches for the account: earlier wrong guesses stop counting.
        login_throttle.record_success(session=session, email=user.email)
        session.commit()
    typer.echo(f"Set a new password for {user.email}; "
               f"{ended} signed-in session{'s' if ended != 1 else ''} ended.")


SEVERITY_RANK = {"info": 0, "warning": 1, "blocking": 2}
# Where gettext looks for the language, in its order; LANGUAGE may list several.
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the shell asks for, read as gettext reads it: the first of
    LANGUAGE_VARIABLES that is set; "C" and "POSIX" (and anything not ours) are English."""
    from app.i18n import DEFAULT, LANGUAGES

    environ = os.environ if environ is None else environ
    value = next((environ[v] for v in LANGUAGE_VARIABLES if environ.get(v)), "")
    for entry in value.split(":"):
        if entry in ("C", "POSIX") or entry.startswith("C."):
            return DEFAULT
        language = entry.split(".")[0].split("@")[0].split("_")[0].lower()
        if language in LANGUAGES:
            return language
    return DEFAULT


@cli.command()
def check(
    plan: Annotated[Path, typer.Argument(help="A CSV file: channel, scheduled_at, kind, "
                                         "category, text, story, episode")],
    preset: Annotated[str, typer.Option(help="Rules preset")] = "beth_dunn",
    timezone: Annotated[str, typer.Option(help="IANA zone for days, and for times "
                                          "without an offset")] = "UTC",
    started_on: Annotated[str | None, typer.Option(
        help="Date (YYYY-MM-DD) every channel started; enables the listening check")] = None,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    fail_on: Annotated[str, typer.Option(help="blocking or warning")] = "blocking",
    lang: Annotated[str | None, typer.Option(
        "--lang", help="de or en: the language of the output and of the findings, and "
        "the reader's habits (de reads 03/04/2026 day first). Default: from LANGUAGE, "
        "LC_ALL, LC_MESSAGES or LANG, else en")] = None,
    separator: Annotated[str | None, typer.Option(
        help="The file's separator: , ; or tab (default: told from the file)")] = None,
    date_order: Annotated[str | None, typer.Option(
        help="dmy or mdy, for dates like 03/04/2026 (default: told from the file's dates, "
        "else dmy with --lang de, else asked for)")] = None,
) -> None:
    """Check a plan in a CSV file against the rules, with no database.

    Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
    2 an invalid file or option (nothing analysed).
    """
    from app import i18n

    language = lang if lang in i18n.LANGUAGES else environment_language()
    with i18n.speaking(language):
        _check(plan, preset=preset, timezone=timezone, started_on=started_on, output=output,
               fail_on=fail_on, lang=lang, language=language, separator=separator,
               date_order=date_order)


def _check(plan: Path, *, preset: str, timezone: str, started_on: str | None, output: str,
           fail_on: str, lang: str | None, language: str, separator: str | None,
           date_order: str | None) -> None:
    import json
    from datetime import date as date_type

    from app.i18n import LANGUAGES
    from app.i18n import gettext as _
    from app.rules import ChannelFact, Plan, analyse
    from app.rules.facts import Profile
    from app.rules.presets import PRESETS, build_params
    from app.schemas import check_timezone
    from app.services.csv_reader import decode, separator_named
    from app.services.import_formats import DATE_ORDERS, habitual_date_order
    from app.services.plan_file import read_plan_csv
    from app.services.telling import rules_speech

    problems: list[str] = []
    if lang is not None and lang not in LANGUAGES:
        problems.append(_("option --lang: unknown language %(value)s (one of %(choices)s)")
                        % {"value": repr(lang), "choices": ", ".join(sorted(LANGUAGES))})
    if preset not in PRESETS:
        problems.append(_("option --preset: unknown preset %(value)s (known: %(choices)s)")
                        % {"value": repr(preset), "choices": ", ".join(sorted(PRESETS))})
    try:
        check_timezone(timezone)
    except ValueError as exc:
        problems.append(_("option --timezone: %(reason)s") % {"reason": exc})
    start_date = None
    if started_on is not None:
        try:
            start_date = date_type.fromisoformat(started_on)
        except ValueError:
            problems.append(_("option --started-on: %(value)s is not a date like 2026-11-01")
                            % {"value": repr(started_on)})
    if output not in ("text", "json"):
        problems.append(_("option --format: must be text or json"))
    if fail_on not in ("blocking", "warning"):
        problems.append(_("option --fail-on: must be blocking or warning"))
    if date_order is not None and date_order not in DATE_ORDERS:
        problems.append(_("option --date-order: must be dmy (31/12/2026) or mdy (12/31/2026)"))
    chosen_separator = None
    try:
        chosen_separator = separator_named(separator)
    except ValueError as exc:
        problems.append(_("option --separator: %(reason)s") % {"reason": exc})
    if not problems:
        try:
            # Spreadsheets save cp1252 or UTF-16 as readily as UTF-8, as the import reads them.
            text = decode(plan.read_bytes())
        except OSError as exc:
            problems.append(_("%(file)s: cannot read the file (%(reason)s)")
                            % {"file": plan, "reason": exc.strerror or exc})
    if problems:
        for problem in problems:
            typer.echo(_("error: %(problem)s") % {"problem": problem}, err=True)
        raise typer.Exit(2)
    try:
        parsed = read_plan_csv(text, timezone=timezone, separator=chosen_separator,
                               date_order=date_order,
                               fallback_order=habitual_date_order(language),
                               order_option="--date-order")
    except AppError as exc:
        for error in exc.errors:
            typer.echo(f"{plan}: {_where(error.extra)}{error.message}", err=True)
        typer.echo(_("Nothing was analysed."), err=True)
        raise typer.Exit(2) from None

    channels = [ChannelFact(id=name, name=name, started_on=start_date)
                for name in parsed.channels] if start_date else []
    findings = analyse(Plan(posts=parsed.posts, channels=channels,
                            profile=Profile(params=build_params(preset)), timezone=timezone,
                            stories=parsed.stories), speech=rules_speech())
    failing = [f for f in findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on]]
    if output == "json":
        typer.echo(json.dumps({
            "preset": preset, "timezone": timezone, "started_on": started_on,
            "listening_checked": start_date is not None,
            "posts": len(parsed.posts), "channels": parsed.channels,
            "findings": [f.as_dict() for f in findings],
        }, indent=2, ensure_ascii=False))
    else:
        _print_findings(findings, parsed.channels, len(parsed.posts), preset, timezone,
                        start_date is not None)
    raise typer.Exit(1 if failing else 0)


def _where(extra: Mapping[str, object]) -> str:
    """A row error's place, "line 7, column kind: ", in the reader's words."""
    from app.i18n import gettext as _

    line, column = extra.get("line"), extra.get("column")
    if line is not None and column is not None:
        return _("line %(line)s, column %(column)s: ") % {"line": line, "column": column}
    if line is not None:
        return _("line %(line)s: ") % {"line": line}
    return ""


def _print_findings(findings: list[Finding], channels: list[str], posts: int,
                    preset: str, timezone: str, listening: bool) -> None:
    from zoneinfo import ZoneInfo

    from app.i18n import gettext as _
    from app.i18n import ngettext, when

    tz = ZoneInfo(timezone)
    # English keeps its "(s)" in the plural forms: scripts read these lines.
    typer.echo(_("%(posts)s on %(channels)s; preset %(preset)s; time zone %(zone)s.") % {
        "posts": ngettext("%(count)d post", "%(count)d posts", posts) % {"count": posts},
        "channels": ngettext("%(count)d channel", "%(count)d channel(s)", len(channels))
        % {"count": len(channels)}, "preset": preset, "zone": timezone})
    if not listening:
        typer.echo(_("No --started-on: channels count as established, so the listening "
                     "check is off."))
    severities = {"blocking": _("blocking"), "warning": _("warning"), "info": _("info")}
    for channel in channels:
        mine = [f for f in findings if f.channel_id == channel]
        typer.echo("")
        typer.echo(_("%(channel)s: %(findings)s") % {
            "channel": channel,
            "findings": ngettext("%(count)d finding", "%(count)d finding(s)", len(mine))
            % {"count": len(mine)} if mine else _("no findings")})
        for finding in mine:
            at = when(finding.start.astimezone(tz), "day_year_time")
            lines = [str(int(pid.removeprefix("row-"))) for pid in finding.post_ids
                     if pid.startswith("row-")]
            where = ngettext("line %(lines)s", "line %(lines)s", len(lines)) % {
                "lines": ", ".join(lines)}
            typer.echo(f"  {severities[finding.severity].upper():<9} {finding.code:<24} {at}  "
                       f"{where}")
            typer.echo(f"            {finding.message}")
    counts = {s: sum(1 for f in findings if f.severity == s)
              for s in ("blocking", "warning", "info")}
    typer.echo("")
    typer.echo(_("%(findings)s: %(blocking)d blocking, %(warning)d warning, %(info)d info.")
               % {"findings": ngettext("%(count)d finding", "%(count)d finding(s)",
                                       len(findings)) % {"count": len(findings)}, **counts})


def _describe(exc: AppError) -> str:
    if exc.errors:
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return exc.detail


def main() -> None:
    from app.services.webhook_events import install

    install()  # what the commands change writes its webhook events too
    cli()


if __name__ == "__main__":
    main()
