"""keep in touch: each side's private "I'd like to stay in touch" on its connection row

Nullable: existing connections are unmarked. Mutual when both rows of a pair are marked.

Revision ID: e5a1c9d3b7f2
Revises: e4a9c2f7b1d3
Create Date: 2026-12-06 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1c9d3b7f2'
down_revision = 'e4a9c2f7b1d3'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite may rebuild the table: it must keep AUTOINCREMENT (connection ids are in signed links).
    with op.batch_alter_table('connections', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('keep_in_touch_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('connections', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('keep_in_touch_at')
