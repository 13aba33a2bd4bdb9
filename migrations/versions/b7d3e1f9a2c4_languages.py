"""languages: an attendee's chosen language, and each event's default language

attendees.language is NULL until the attendee chooses (then the browser's language or the
event's default applies); events.default_language is "en" for every existing event, so nothing
changes for them until an organizer picks another.

Revision ID: b7d3e1f9a2c4
Revises: f6b2d8e4a1c3
Create Date: 2026-12-06 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e1f9a2c4'
down_revision = 'f6b2d8e4a1c3'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite may rebuild the tables: they must keep AUTOINCREMENT (ids are in signed links).
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('events', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=8), server_default='en', nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('default_language')
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('language')
