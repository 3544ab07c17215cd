"""A member's capacity: the posts a week this person can plan, set by a lead.

Empty means no capacity set (nobody is ever "over"). Plain ALTER TABLE: the
membership table has no triggers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("membership", sa.Column("capacity", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Not a batch rebuild: SQLite checks 0012's trigger on user_account, which
    # reads membership, against every table renamed on the way.
    op.execute("ALTER TABLE membership DROP COLUMN capacity")
