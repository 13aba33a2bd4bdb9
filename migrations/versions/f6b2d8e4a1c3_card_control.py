"""my card, per person: what each holder of my card gets, taking it back, and an expiry

card_fields / card_revoked_at sit on the holder's connection row (NULL: the card person's profile
defaults, not revoked); card_expiry_months on the attendee (NULL: never). All nullable, so
existing cards stay exactly as they were.

Revision ID: f6b2d8e4a1c3
Revises: f6b2d8a4c1e9
Create Date: 2026-12-06 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6b2d8e4a1c3'
down_revision = 'f6b2d8a4c1e9'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite may rebuild the tables: they must keep AUTOINCREMENT (their ids are in signed links).
    with op.batch_alter_table('connections', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('card_fields', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('card_revoked_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('card_expiry_months', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('card_expiry_months')
    with op.batch_alter_table('connections', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('card_revoked_at')
        batch_op.drop_column('card_fields')
