"""event look: an accent colour and a logo key on events, and a table of logo bytes

The accent is "#rrggbb" or "" (the default blue) on every event; existing events get "" and
keep the look they had. Logos live in the database like profile photos, one row per event,
deleted with it; events.logo_key is the logo's random public name.

Revision ID: d8e4b2a6f1c7
Revises: c3f1a7d2e9b4
Create Date: 2026-12-12 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8e4b2a6f1c7'
down_revision = 'c3f1a7d2e9b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_logos',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_logos_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_logos'))
    )
    # SQLite may rebuild the table: it must keep AUTOINCREMENT (event ids are in signed links).
    with op.batch_alter_table('events', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('accent_color', sa.String(length=7), server_default='', nullable=False))
        batch_op.add_column(sa.Column('logo_key', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_events_logo_key'), ['logo_key'])


def downgrade():
    with op.batch_alter_table('events', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_events_logo_key'), type_='unique')
        batch_op.drop_column('logo_key')
        batch_op.drop_column('accent_color')
    op.drop_table('event_logos')
