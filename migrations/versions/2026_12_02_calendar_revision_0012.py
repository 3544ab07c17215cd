"""A workspace's calendar revision, bumped by triggers on anything its calendar
shows; and posts indexed by status for the review queue.

``workspace.calendar_revision`` moves with every write to the workspace's posts
(any column, the text too), channels, stories, series, acknowledgements and
rules, and with a rename of any of its members (acknowledgements show names).
Together with ``workspace.version`` (the workspace's own fields) it tells
whether a calendar answer computed earlier is still the answer, so app
processes may keep rendered calendars and check them with one indexed read.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 23:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE workspace SET calendar_revision = calendar_revision + 1 WHERE id = {ref}"
# Tables whose rows carry workspace_id, and the events that change the calendar.
TABLES = ("post", "channel", "story", "series", "acknowledgement", "rules_profile")
EVENTS = ("INSERT", "UPDATE", "DELETE")
MEMBER_RENAMED = ("UPDATE workspace SET calendar_revision = calendar_revision + 1 WHERE id IN"
                  " (SELECT workspace_id FROM membership WHERE user_id = {ref})")


def _name(table: str, event: str) -> str:
    done = {"INSERT": "inserted", "UPDATE": "updated", "DELETE": "deleted"}[event]
    return f"{table}_calendar_{done}"


def _sqlite_statements() -> list[str]:
    statements = []
    for table in TABLES:
        for event in EVENTS:
            row = "OLD" if event == "DELETE" else "NEW"
            extra = ""
            if event == "UPDATE":
                # A workspace moving rows between workspaces never happens, but both count.
                extra = f"; {BUMP.format(ref='OLD.workspace_id')}"
            statements.append(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} BEGIN "
                f"{BUMP.format(ref=row + '.workspace_id')}{extra}; END")
    statements.append(
        "CREATE TRIGGER user_calendar_renamed AFTER UPDATE OF name, email ON user_account BEGIN "
        f"{MEMBER_RENAMED.format(ref='NEW.id')}; END")
    return statements


def _postgres_statements() -> list[str]:
    statements = [
        """
        CREATE FUNCTION giveask_calendar_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            UPDATE workspace SET calendar_revision = calendar_revision + 1
              WHERE id IN (SELECT DISTINCT workspace_id FROM old_rows);
          ELSE
            UPDATE workspace SET calendar_revision = calendar_revision + 1
              WHERE id IN (SELECT DISTINCT workspace_id FROM new_rows);
          END IF;
          RETURN NULL;
        END $$
        """,
        f"""
        CREATE FUNCTION giveask_member_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {MEMBER_RENAMED.format(ref='NEW.id')};
          RETURN NULL;
        END $$
        """,
    ]
    for table in TABLES:
        for event in EVENTS:
            rows = "OLD TABLE AS old_rows" if event == "DELETE" else "NEW TABLE AS new_rows"
            statements.append(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table}"
                f" REFERENCING {rows} FOR EACH STATEMENT"
                " EXECUTE FUNCTION giveask_calendar_changed()")
    statements.append(
        "CREATE TRIGGER user_calendar_renamed AFTER UPDATE OF name, email ON user_account"
        " FOR EACH ROW EXECUTE FUNCTION giveask_member_renamed()")
    return statements


# Plain ALTER TABLE, never a batch copy of the table: SQLite checks every trigger
# when a table is renamed, and the triggers of 0011 name the workspace table.
def upgrade() -> None:
    op.add_column('workspace', sa.Column('calendar_revision', sa.Integer(), server_default='0',
                                         nullable=False))
    op.create_index('ix_post_workspace_status', 'post', ['workspace_id', 'status',
                                                         'scheduled_at'])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres_statements() if postgres else _sqlite_statements():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    names = [(_name(t, e), t) for t in TABLES for e in EVENTS]
    names.append(("user_calendar_renamed", "user_account"))
    for name, table in names:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres
                   else f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_post_workspace_status', table_name='post')
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS giveask_calendar_changed()")
        op.execute("DROP FUNCTION IF EXISTS giveask_member_renamed()")
    op.execute("ALTER TABLE workspace DROP COLUMN calendar_revision")
