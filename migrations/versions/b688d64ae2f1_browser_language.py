"""browser language: the language an attendee's browser asked for when they last logged in

Emails written away from any browser (the digest) follow it when the attendee chose no
language, so a German attendee who never opened the setting is not sent an English digest.
NULL for everyone until their next login: the event's default applies meanwhile, as before.

Revision ID: b688d64ae2f1
Revises: b7d3e1f9a2c4
Create Date: 2026-12-06 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b688d64ae2f1'
down_revision = 'b7d3e1f9a2c4'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite may rebuild the table: it must keep AUTOINCREMENT (ids are in signed links).
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('browser_language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('browser_language')
