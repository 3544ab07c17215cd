"""Plan revisions kept by the database, and the findings cached per revision.

``channel.plan_revision`` and ``workspace.story_revision`` are bumped by
triggers in the same transaction as the write, so no code path (the ORM, a bulk
insert, an import, plain SQL) can change a plan without its revision moving.
Only the columns the rules read count: editing a post's text leaves the
findings, and so the revision, as they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.db import UTCDateTime

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the engine reads of a post (app/services/analysis.py, story_analysis.py).
RULE_COLUMNS = ("channel_id", "scheduled_at", "kind", "category", "story_id", "episode")
STORY_COLUMNS = ("name", "min_gap_days", "max_gap_days", "min_gives_before_ask")

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER post_plan_inserted AFTER INSERT ON post BEGIN
      UPDATE channel SET plan_revision = plan_revision + 1 WHERE id = NEW.channel_id;
      UPDATE workspace SET story_revision = story_revision + 1
        WHERE id = NEW.workspace_id AND NEW.story_id IS NOT NULL;
    END
    """,
    f"""
    CREATE TRIGGER post_plan_updated AFTER UPDATE OF {", ".join(RULE_COLUMNS)} ON post BEGIN
      UPDATE channel SET plan_revision = plan_revision + 1
        WHERE id IN (OLD.channel_id, NEW.channel_id);
      UPDATE workspace SET story_revision = story_revision + 1
        WHERE id = NEW.workspace_id AND (OLD.story_id IS NOT NULL OR NEW.story_id IS NOT NULL);
    END
    """,
    """
    CREATE TRIGGER post_plan_deleted AFTER DELETE ON post BEGIN
      UPDATE channel SET plan_revision = plan_revision + 1 WHERE id = OLD.channel_id;
      UPDATE workspace SET story_revision = story_revision + 1
        WHERE id = OLD.workspace_id AND OLD.story_id IS NOT NULL;
    END
    """,
    f"""
    CREATE TRIGGER story_pacing_updated AFTER UPDATE OF {", ".join(STORY_COLUMNS)} ON story
    BEGIN
      UPDATE workspace SET story_revision = story_revision + 1 WHERE id = NEW.workspace_id;
    END
    """,
    """
    CREATE TRIGGER story_deleted AFTER DELETE ON story BEGIN
      UPDATE workspace SET story_revision = story_revision + 1 WHERE id = OLD.workspace_id;
    END
    """,
]

_CHANGED = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in RULE_COLUMNS)

# Statement-level with transition tables: a bulk insert of thousands of posts
# bumps each channel once, not once per row.
POSTGRES_FUNCTIONS = [
    """
    CREATE FUNCTION giveask_posts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE channel SET plan_revision = plan_revision + 1
        WHERE id IN (SELECT channel_id FROM new_posts);
      UPDATE workspace SET story_revision = story_revision + 1
        WHERE id IN (SELECT workspace_id FROM new_posts WHERE story_id IS NOT NULL);
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION giveask_posts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE channel SET plan_revision = plan_revision + 1 WHERE id IN (
        SELECT o.channel_id FROM old_posts o JOIN new_posts n ON n.id = o.id WHERE {_CHANGED}
        UNION
        SELECT n.channel_id FROM old_posts o JOIN new_posts n ON n.id = o.id WHERE {_CHANGED});
      UPDATE workspace SET story_revision = story_revision + 1 WHERE id IN (
        SELECT n.workspace_id FROM old_posts o JOIN new_posts n ON n.id = o.id
        WHERE (o.story_id IS NOT NULL OR n.story_id IS NOT NULL) AND ({_CHANGED}));
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION giveask_posts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE channel SET plan_revision = plan_revision + 1
        WHERE id IN (SELECT channel_id FROM old_posts);
      UPDATE workspace SET story_revision = story_revision + 1
        WHERE id IN (SELECT workspace_id FROM old_posts WHERE story_id IS NOT NULL);
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION giveask_story_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE workspace SET story_revision = story_revision + 1 WHERE id = OLD.workspace_id;
      RETURN NULL;
    END $$
    """,
]

POSTGRES_TRIGGERS = [
    "CREATE TRIGGER post_plan_inserted AFTER INSERT ON post REFERENCING NEW TABLE AS new_posts"
    " FOR EACH STATEMENT EXECUTE FUNCTION giveask_posts_inserted()",
    "CREATE TRIGGER post_plan_updated AFTER UPDATE ON post"
    " REFERENCING OLD TABLE AS old_posts NEW TABLE AS new_posts"
    " FOR EACH STATEMENT EXECUTE FUNCTION giveask_posts_updated()",
    "CREATE TRIGGER post_plan_deleted AFTER DELETE ON post REFERENCING OLD TABLE AS old_posts"
    " FOR EACH STATEMENT EXECUTE FUNCTION giveask_posts_deleted()",
    f"CREATE TRIGGER story_pacing_updated AFTER UPDATE OF {', '.join(STORY_COLUMNS)} ON story"
    " FOR EACH ROW EXECUTE FUNCTION giveask_story_changed()",
    "CREATE TRIGGER story_deleted AFTER DELETE ON story"
    " FOR EACH ROW EXECUTE FUNCTION giveask_story_changed()",
]

TRIGGERS = ("post_plan_inserted", "post_plan_updated", "post_plan_deleted",
            "story_pacing_updated", "story_deleted")
FUNCTIONS = ("giveask_posts_inserted", "giveask_posts_updated", "giveask_posts_deleted",
             "giveask_story_changed")


def upgrade() -> None:
    with op.batch_alter_table('channel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_revision', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('story_revision', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table('plan_findings',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('range_start', UTCDateTime(), nullable=False),
    sa.Column('range_end', UTCDateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('computed_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_plan_findings_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'scope', 'range_start', 'range_end', name=op.f('pk_plan_findings'))
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_FUNCTIONS + POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        table = "story" if name.startswith("story") else "post"
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres
                   else f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table('plan_findings')
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('story_revision')
    with op.batch_alter_table('channel', schema=None) as batch_op:
        batch_op.drop_column('plan_revision')
