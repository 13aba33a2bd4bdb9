"""introductions with double opt-in: the requests, each side's answer, and who takes none

Also connections.origin: "introduction" on the pair an accepted introduction connected.

Revision ID: f6b2d8a4c1e9
Revises: e5a9c3b7d201
Create Date: 2026-12-06 00:57:35.271466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6b2d8a4c1e9'
down_revision = 'e5a9c3b7d201'
branch_labels = None
depends_on = None


def upgrade():
    # NULL for every existing connection: each was made by an exchange.
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), nullable=True))

    op.create_table('introduction_opt_outs',
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_introduction_opt_outs_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_introduction_opt_outs_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attendee_id', name=op.f('pk_introduction_opt_outs'))
    )
    with op.batch_alter_table('introduction_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_introduction_opt_outs_event_id'), ['event_id'], unique=False)

    op.create_table('introductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('introducer_id', sa.Integer(), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('a_answer', sa.String(length=8), nullable=True),
    sa.Column('a_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('b_answer', sa.String(length=8), nullable=True),
    sa.Column('b_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('open_pair', sa.String(length=40), nullable=True),
    sa.CheckConstraint('a_id <> b_id', name=op.f('ck_introductions_two_people')),
    sa.ForeignKeyConstraint(['a_id'], ['attendees.id'], name=op.f('fk_introductions_a_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['b_id'], ['attendees.id'], name=op.f('fk_introductions_b_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_introductions_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introducer_id'], ['attendees.id'], name=op.f('fk_introductions_introducer_id_attendees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introductions')),
    sa.UniqueConstraint('open_pair', name=op.f('uq_introductions_open_pair')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_introductions_a_id'), ['a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_introductions_b_id'), ['b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_introductions_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_introductions_introducer_created', ['introducer_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.drop_index('ix_introductions_introducer_created')
        batch_op.drop_index(batch_op.f('ix_introductions_event_id'))
        batch_op.drop_index(batch_op.f('ix_introductions_b_id'))
        batch_op.drop_index(batch_op.f('ix_introductions_a_id'))

    op.drop_table('introductions')
    with op.batch_alter_table('introduction_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_introduction_opt_outs_event_id'))

    op.drop_table('introduction_opt_outs')
    with op.batch_alter_table('connections', schema=None) as batch_op:
        batch_op.drop_column('origin')
