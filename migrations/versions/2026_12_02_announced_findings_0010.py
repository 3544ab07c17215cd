"""Findings already announced to webhooks (``finding.added``), so each is told once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('announced_finding',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('announced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_announced_finding_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'digest', name=op.f('pk_announced_finding'))
    )
    with op.batch_alter_table('announced_finding', schema=None) as batch_op:
        batch_op.create_index('ix_announced_finding_span', ['workspace_id', 'channel_id', 'ends_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('announced_finding', schema=None) as batch_op:
        batch_op.drop_index('ix_announced_finding_span')
    op.drop_table('announced_finding')
