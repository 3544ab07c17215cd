"""Importing a plan from a CSV file: check it whole (the dry run), then save it
whole, in the one transaction of the request, or not at all.

Rows are matched to posts already imported by their idempotency key: ``csv:``
and the first 60 hex digits of the SHA-256 of channel id, UTC time (RFC 3339),
kind and text, one line each. The same file imported again, or a file with some
of the same posts, adds only the rows not seen before; the others are counted as
skipped. Formats and columns: app/services/import_formats.py and docs/imports.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db import utcnow
from app.errors import Conflict, FieldError, Invalid, TooLarge
from app.i18n import current as current_language
from app.i18n import gettext as _
from app.i18n import ngettext, number
from app.models import Channel, ImportRun, Post, Story
from app.platforms import too_long
from app.rules import ChannelFact, Finding, PostFact
from app.rules.facts import KINDS
from app.schemas import ChannelCreate, check_link, check_text
from app.schemas_stories import StoryCreate
from app.services import audit, import_formats, whatif
from app.services import channels as channel_service
from app.services import stories as story_service
from app.services.access import Access
from app.services.channels import ARCHIVED
from app.services.csv_reader import decode, read_table, separator_named
from app.services.import_formats import FORMATS, RowError

MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 10_000
KEY_PREFIX = "csv:"
NEW_CHANNEL = "new:"  # the id a channel the import would create carries in a dry run
KEY_CHUNK = 500

# Where the text and the link of a row are, in each format's own words.
TEXT_COLUMN = {"giveask": "text", "publer": "Text", "socialbee": "text",
               "sprout": "message_text", "hootsuite": "column 2"}
LINK_COLUMN = {"giveask": "link", "publer": "Link(s)", "socialbee": "link", "sprout": "link",
               "hootsuite": "column 3"}


@dataclass(frozen=True)
class ImportOptions:
    filename: str = ""
    format: str | None = None
    channel_id: str | None = None  # for rows that name no channel
    kind: str | None = None  # for rows no label gives a kind
    date_order: str | None = None  # dmy | mdy, for slashed dates
    separator: str | None = None  # , ; or tab (or their names), when the file's own misleads


@dataclass
class ReviewRow:
    """A row as it would be saved, for the editor to review."""

    line: int
    channel: str  # the channel's name
    channel_id: str  # "new:<name>" while the channel is still to be created
    at: datetime  # UTC
    local: datetime  # in the workspace's zone
    kind: str
    kind_from: str  # file | label | default
    category: str | None
    text: str
    link: str | None
    status: str
    story: str | None
    episode: int | None
    key: str = ""
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    format: str
    filename: str
    digest: str
    date_order: str | None
    rows: list[ReviewRow]
    errors: list[RowError]
    channels_to_create: list[str]
    stories_to_create: list[str]
    findings_added: list[Finding] = field(default_factory=list)

    @property
    def to_create(self) -> list[ReviewRow]:
        return [r for r in self.rows if not r.skipped]

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.rows if r.skipped)

    def line_of(self, post_id: str) -> int | None:
        return int(post_id.removeprefix("~import-")) if post_id.startswith("~import-") else None


@dataclass(frozen=True)
class ImportResult:
    run: ImportRun
    plan: ImportPlan


def row_key(channel_id: str, at: datetime, kind: str, text: str) -> str:
    utc = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    digest = hashlib.sha256(f"{channel_id}\n{utc}\n{kind}\n{text}".encode()).hexdigest()
    return KEY_PREFIX + digest[:60]


def as_field_errors(errors: list[RowError]) -> list[FieldError]:
    """Row errors in the API's shape: ``field`` says "line N, column X"."""
    return [FieldError(f"line {e.line}, column {e.column}" if e.line is not None else e.column,
                       e.message, extra={"line": e.line, "column": e.column}) for e in errors]


def _options_errors(options: ImportOptions) -> list[FieldError]:
    errors = []
    if options.format is not None and options.format not in FORMATS:
        errors.append(FieldError("format", _("must be one of %(choices)s")
                                 % {"choices": ", ".join(FORMATS)}))
    if options.kind is not None and options.kind not in KINDS:
        errors.append(FieldError("kind", _("must be give or ask")))
    if options.date_order is not None and options.date_order not in import_formats.DATE_ORDERS:
        errors.append(FieldError("date_order",
                                 _("must be dmy (31/12/2026) or mdy (12/31/2026)")))
    try:
        separator_named(options.separator)
    except ValueError as exc:
        errors.append(FieldError("separator", str(exc)))
    return errors


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise Invalid("; ".join(f"{e.field}: {e.message}" for e in errors[:5]), errors=errors)


def prepare(*, session: Session, access: Access, data: bytes, options: ImportOptions,
            findings: bool = True) -> ImportPlan:
    """The import as it would go: every row reviewed, every problem found, and
    (with ``findings``) the findings it would add. Nothing is written."""
    access.require("editor")
    if access.workspace.archived_at is not None:
        raise Conflict(_("This workspace is archived: its posts stay as history and it takes "
                         "no new ones. An admin can bring it back under Settings."))
    check_size(data)
    _raise(_options_errors(options))
    table = read_table(decode(data), separator_named(options.separator))
    records = [r for r in table.records]
    if not any(not r.blank() for r in records):
        raise Invalid.one("file", _("is empty; a CSV file with a header row and posts is "
                                    "needed"))
    format = options.format or import_formats.detect(records)
    if format is None:
        names = ", ".join(c.strip() for c in records[0].cells[:6])
        raise Invalid.one("format", _("the header (%(names)s) is not one Giveask knows; "
                                      "choose the format (%(formats)s)")
                          % {"names": names, "formats": ", ".join(FORMATS)})
    data_rows = sum(1 for r in (records if format == "hootsuite" else records[1:])
                    if not r.blank())
    if data_rows > MAX_IMPORT_ROWS:
        raise Invalid.one("file", _("has %(rows)s rows; an import takes at most %(most)s. "
                                    "Split it into several files.")
                          % {"rows": number(data_rows), "most": number(MAX_IMPORT_ROWS)})
    # Dates that read both ways are read as the reader writes them (German: day
    # first), so only a reader without such a habit is asked for the order.
    date_order, order_error = import_formats.settle_date_order(
        import_formats.date_cells(records, format), options.date_order,
        fallback=import_formats.habitual_date_order(current_language()))
    request_errors: list[FieldError] = []
    if order_error is not None:
        request_errors.append(FieldError("date_order", order_error.message))
    default_channel: Channel | None = None
    if options.channel_id:
        default_channel = channel_service.get_channel(
            session=session, access=access, channel_id=options.channel_id, field="channel_id")
        if default_channel.archived_at is not None:
            request_errors.append(FieldError("channel_id", ARCHIVED))
    _raise(request_errors)
    tz = ZoneInfo(access.workspace.timezone)
    parsed = import_formats.read_records(
        records, format=format, times=import_formats.TimeReader(access.workspace.timezone,
                                                                 date_order),
        default_kind=options.kind)
    errors = list(parsed.errors)
    if table.error is not None:
        errors.append(RowError(int(table.error.field.removeprefix("line ")), "file",
                               table.error.message))

    channels = {c.name.strip().lower(): c for c in session.exec(
        select(Channel).where(Channel.workspace_id == access.workspace.id)).all()}
    no_channel = [d.line for d in parsed.drafts if d.channel is None]
    no_kind = [d.line for d in parsed.drafts if d.kind is None]
    if no_channel and default_channel is None:
        request_errors.append(FieldError("channel_id", ngettext(
            "%(count)d row (line %(lines)s) names no channel; choose the channel it goes to",
            "%(count)d rows (line %(lines)s) name no channel; choose the channel they go to",
            len(no_channel)) % _lines(no_channel)))
    if no_kind:
        request_errors.append(FieldError("kind", ngettext(
            "%(count)d row (line %(lines)s) has no label naming give, ask or a category; "
            "choose a default kind",
            "%(count)d rows (line %(lines)s) have no label naming give, ask or a category; "
            "choose a default kind", len(no_kind)) % _lines(no_kind)))
    _raise(request_errors)

    stories = {s.name.strip().lower(): s for s in session.exec(
        select(Story).where(Story.workspace_id == access.workspace.id)).all()}
    taken = _episodes_taken(session, [s.id for s in stories.values()])
    may_approve = access.can("lead")
    to_create: dict[str, str] = {}
    new_stories: dict[str, str] = {}
    episodes_in_file: dict[tuple[str, int], int] = {}
    rows: list[ReviewRow] = []
    for draft in parsed.drafts:
        line = draft.line
        channel: Channel | None = default_channel
        channel_name = default_channel.name if default_channel else ""
        if draft.channel is not None:
            name = draft.channel.strip()
            channel = channels.get(name.lower())
            channel_name = channel.name if channel else name
            if channel is not None and channel.archived_at is not None:
                errors.append(RowError(line, "channel", _(
                    "%(channel)s is archived; its posts stay as history and it takes no new "
                    "ones") % {"channel": repr(channel.name)}))
                continue
            if channel is None:
                if len(name) > 120:
                    errors.append(RowError(line, "channel", _("a channel name has at most "
                                                              "120 characters")))
                    continue
                to_create.setdefault(name.lower(), name)
        text_column = TEXT_COLUMN[format]
        try:
            text = check_text(draft.text)
        except ValueError as exc:
            errors.append(RowError(line, text_column, str(exc)))
            continue
        problem = too_long(channel.platform, text) if channel is not None else None
        if problem:
            errors.append(RowError(line, text_column, problem))
            continue
        try:
            link = check_link(draft.link)
        except ValueError as exc:
            errors.append(RowError(line, LINK_COLUMN[format], str(exc)))
            continue
        status, status_error = _status(draft.status, may_approve)
        if status_error:
            errors.append(RowError(line, "status", status_error))
            continue
        if draft.story is not None:
            story_name = draft.story.strip()
            story = stories.get(story_name.lower())
            if story is None:
                new_stories.setdefault(story_name.lower(), story_name)
            if draft.episode is not None:
                key = (story_name.lower(), draft.episode)
                holder = taken.get((story.id, draft.episode)) if story is not None else None
                # A row already imported holds its own episode: it is skipped, not refused.
                same_post = (holder is not None and channel is not None and draft.at is not None
                             and draft.kind is not None
                             and holder == row_key(channel.id, draft.at.astimezone(UTC),
                                                   draft.kind, text))
                if story is not None and holder is not None and not same_post:
                    errors.append(RowError(line, "episode", _(
                        "episode %(episode)d of %(story)s is already planned")
                        % {"episode": draft.episode, "story": repr(story.name)}))
                    continue
                if key in episodes_in_file:
                    errors.append(RowError(line, "episode", _(
                        "episode %(episode)d of %(story)s is already on line %(line)d")
                        % {"episode": draft.episode, "story": repr(story_name),
                           "line": episodes_in_file[key]}))
                    continue
                episodes_in_file[key] = line
        if draft.at is None or draft.kind is None:
            continue
        channel_id = channel.id if channel is not None else NEW_CHANNEL + channel_name.lower()
        rows.append(ReviewRow(
            line=line, channel=channel_name, channel_id=channel_id,
            at=draft.at.astimezone(UTC), local=draft.at.astimezone(tz), kind=draft.kind,
            kind_from=draft.kind_from, category=draft.category, text=text, link=link,
            status=status, story=draft.story.strip() if draft.story else None,
            episode=draft.episode, notes=list(draft.notes)))
    plan = ImportPlan(format=format, filename=options.filename[:255],
                      digest=hashlib.sha256(data).hexdigest(), date_order=date_order,
                      rows=rows, errors=sorted(errors, key=lambda e: (e.line or 0, e.column)),
                      channels_to_create=list(to_create.values()),
                      stories_to_create=list(new_stories.values()))
    mark_skipped(session=session, access=access, rows=rows)
    if findings and not plan.errors:
        plan.findings_added = _findings(session, access, plan)
    return plan


def _lines(lines: list[int]) -> dict[str, object]:
    shown = ", ".join(str(n) for n in lines[:5]) + (" …" if len(lines) > 5 else "")
    return {"count": len(lines), "lines": shown}


def _status(raw: str, may_approve: bool) -> tuple[str, str | None]:
    """The status an imported post gets: published stays history; approved and
    submitted only as far as the importer may take them; anything else a draft."""
    if raw in ("", "draft", "changes_requested"):
        return "draft", None
    if raw == "published":
        return "published", None
    if raw == "approved":
        return ("approved" if may_approve else "submitted"), None
    if raw == "submitted":
        return "submitted", None
    return "", (_("%(value)s is not a status (draft, submitted, approved, "
                  "changes_requested, published)") % {"value": repr(raw)})


def _episodes_taken(session: Session, story_ids: list[str]) -> dict[tuple[str, int], str]:
    """Each planned episode, with the idempotency key of the post holding it."""
    if not story_ids:
        return {}
    rows = session.exec(select(Post.story_id, Post.episode, Post.idempotency_key).where(
        col(Post.story_id).in_(story_ids), col(Post.episode).is_not(None))).all()
    return {(str(s), int(e)): key or "" for s, e, key in rows if e is not None}


def mark_skipped(*, session: Session, access: Access, rows: list[ReviewRow]) -> None:
    """Key every row; skip those already imported and repeats within the file."""
    first_line: dict[str, int] = {}
    for row in rows:
        row.key = row_key(row.channel_id, row.at, row.kind, row.text)
        row.skipped = False
        if row.key in first_line:
            row.skipped = True
            row.notes.append(_("the same post as line %(line)d; imported once")
                             % {"line": first_line[row.key]})
        else:
            first_line[row.key] = row.line
    keys = [r.key for r in rows if not r.skipped and not r.channel_id.startswith(NEW_CHANNEL)]
    existing: set[str] = set()
    for i in range(0, len(keys), KEY_CHUNK):
        existing.update(str(k) for k in session.exec(select(Post.idempotency_key).where(
            Post.workspace_id == access.workspace.id,
            col(Post.idempotency_key).in_(keys[i:i + KEY_CHUNK]))).all())
    for row in rows:
        if not row.skipped and row.key in existing:
            row.skipped = True
            row.notes.append(_("already imported"))


def _findings(session: Session, access: Access, plan: ImportPlan) -> list[Finding]:
    facts = [PostFact(id=f"~import-{r.line:06d}", channel_id=r.channel_id, at=r.at,
                      kind=r.kind, category=r.category) for r in plan.to_create]
    new_channels = [ChannelFact(id=NEW_CHANNEL + name.lower(), name=name)
                    for name in plan.channels_to_create]
    return whatif.added_by_posts(access=access, session=session, posts=facts,
                                 new_channels=new_channels)


def check_size(data: bytes) -> None:
    """A file over the bound is refused before anything reads it."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge(_("The file is %(size)s bytes; an import takes at most %(most)s bytes. "
                         "Split it into several files.")
                       % {"size": number(len(data)), "most": number(MAX_IMPORT_BYTES)},
                       errors=[FieldError("file", _("is larger than %(most)s bytes")
                                          % {"most": number(MAX_IMPORT_BYTES)})])


def file_refused(row_errors: list[RowError]) -> Invalid:
    """A file with errors, refused whole: the first few named in the detail."""
    errors = as_field_errors(row_errors)
    return Invalid(ngettext("%(count)d problem in the file, nothing imported: %(first)s",
                            "%(count)d problems in the file, nothing imported: %(first)s",
                            len(errors))
                   % {"count": len(errors),
                      "first": "; ".join(f"{e.field}: {e.message}" for e in errors[:3])},
                   errors=errors)


def run_import(*, session: Session, access: Access, data: bytes,
               options: ImportOptions) -> ImportResult:
    """Save the file's posts, all of them or (on any error) none."""
    plan = prepare(session=session, access=access, data=data, options=options, findings=False)
    if plan.errors:
        raise file_refused(plan.errors)
    channel_ids: dict[str, str] = {}
    for name in plan.channels_to_create:
        channel = channel_service.create_channel(session=session, access=access,
                                                 data=ChannelCreate(name=name))
        channel_ids[NEW_CHANNEL + name.lower()] = channel.id
    story_ids = {s.name.strip().lower(): s.id for s in session.exec(
        select(Story).where(Story.workspace_id == access.workspace.id)).all()}
    for name in plan.stories_to_create:
        story = story_service.create_story(session=session, access=access,
                                           data=StoryCreate(name=name))
        story_ids[name.lower()] = story.id
    if channel_ids:
        for row in plan.rows:
            if row.channel_id in channel_ids:
                row.channel_id = channel_ids[row.channel_id]
        mark_skipped(session=session, access=access, rows=plan.rows)
    now = utcnow()
    note = f"imported from {plan.filename or 'a CSV file'}"
    posts = []
    for row in plan.to_create:
        post = Post(workspace_id=access.workspace.id, channel_id=row.channel_id,
                    scheduled_at=row.at, kind=row.kind, category=row.category, text=row.text,
                    link=row.link, status=row.status,
                    story_id=story_ids[row.story.lower()] if row.story else None,
                    episode=row.episode, created_by_id=access.user_id,
                    idempotency_key=row.key,
                    submitted_at=now if row.status in ("submitted", "approved") else None,
                    published_at=row.at if row.status == "published" else None,
                    created_at=now, updated_at=now)
        posts.append(post)
    session.add_all(posts)
    for post in posts:
        audit.record(session=session, access=access, subject_type="post", subject_id=post.id,
                     action="created", after=audit.post_snapshot(post), note=note)
    run = ImportRun(workspace_id=access.workspace.id, format=plan.format,
                    filename=plan.filename, digest=plan.digest, rows=len(plan.rows),
                    created=len(posts), skipped=plan.skipped, by_id=access.user_id,
                    by_token_id=access.principal.token_id)
    session.add(run)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(_("Another import of the same posts finished first; import the file "
                         "again to add what is still missing.")) from None
    return ImportResult(run=run, plan=plan)


def last_runs(*, session: Session, access: Access, limit: int = 5) -> list[ImportRun]:
    return list(session.exec(select(ImportRun).where(
        ImportRun.workspace_id == access.workspace.id).order_by(
        col(ImportRun.created_at).desc()).limit(limit)).all())


def get_run(*, session: Session, access: Access, import_id: str) -> ImportRun | None:
    run = session.get(ImportRun, import_id)
    return run if run is not None and run.workspace_id == access.workspace.id else None
