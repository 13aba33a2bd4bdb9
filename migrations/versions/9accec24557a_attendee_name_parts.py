"""attendee name parts: prefix, given name, family name, suffix

The parts of a name as an import file with split columns gives them, or as the attendee types
them in their profile; the display name (`name`) stays as it is. Existing attendees get empty
parts: a joined name is never split by guessing.

Revision ID: 9accec24557a
Revises: 54c21372a5d1
Create Date: 2026-12-05 00:59:01.457674

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9accec24557a'
down_revision = '54c21372a5d1'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite may rebuild the table: it must keep AUTOINCREMENT (ids are in signed email links).
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('name_prefix', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('given_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('family_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('name_suffix', sa.String(length=40), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('name_suffix')
        batch_op.drop_column('family_name')
        batch_op.drop_column('given_name')
        batch_op.drop_column('name_prefix')
