"""Post outcomes: what a published post achieved (reach, impressions,
engagements, clicks, conversions), one row per post.

A new table only: nothing existing is altered, so SQLite keeps the triggers of
0011 and 0012 (a batch rebuild of post or workspace would drop them). The
calendar does not show outcomes, so no trigger bumps its revision.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = ("reach", "impressions", "engagements", "clicks", "conversions")


def upgrade() -> None:
    op.create_table(
        "post_outcome",
        sa.Column("post_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=True) for name in FIGURES),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"],
                                name=op.f("fk_post_outcome_post_id_post"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_post_outcome_updated_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"],
                                name=op.f("fk_post_outcome_workspace_id_workspace"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_outcome")),
    )
    op.create_index(op.f("ix_post_outcome_workspace_id"), "post_outcome", ["workspace_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_post_outcome_workspace_id"), table_name="post_outcome")
    op.drop_table("post_outcome")
