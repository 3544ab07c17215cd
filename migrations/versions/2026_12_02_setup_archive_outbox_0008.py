"""A team sets itself up: archived workspaces and channels, each person's page
language, and the outbox that background workers send mail from.

Only new nullable or defaulted columns and a new table; nothing existing changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('workspace') as batch:
        batch.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('channel') as batch:
        batch.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8),
                                   nullable=False, server_default='en'))
    op.create_table('outbox_message',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['sent_at', 'next_attempt_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('channel') as batch:
        batch.drop_column('archived_at')
    with op.batch_alter_table('workspace') as batch:
        batch.drop_column('archived_at')
