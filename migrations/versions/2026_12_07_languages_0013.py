"""Languages: a workspace's default language, and a person's own choice made optional.

``workspace.language`` is the language of a workspace's pages, mails and
findings for readers who chose none and whose browser asks for none of ours.
``user_account.language`` empty means "no choice of my own": the switcher,
the browser and the workspace decide. Until now every account held "en",
put there by default while German pages were still to come, so nobody chose
it: those become empty, and German readers' browsers are heard.

Plain ALTER TABLE only, so SQLite keeps the triggers of 0011 and 0012 (a batch
rebuild would drop them). SQLite keeps the old server default on
``user_account.language``; the application always writes the column itself.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspace", sa.Column("language", sa.String(length=8), nullable=False,
                                         server_default="en"))
    op.execute("UPDATE user_account SET language = '' WHERE language = 'en'")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("user_account", "language", server_default="")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("user_account", "language", server_default="en")
    op.execute("UPDATE user_account SET language = 'en' WHERE language = ''")
    op.drop_column("workspace", "language")
