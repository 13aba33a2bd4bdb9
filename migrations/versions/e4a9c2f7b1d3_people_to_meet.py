"""people to meet: who chose to be suggested, and the suggestions each person waved away

Nobody is opted in by the migration: being suggested to strangers is each attendee's choice.

Revision ID: e4a9c2f7b1d3
Revises: d8e4b2a6f1c7
Create Date: 2026-12-06 00:32:55.402586

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a9c2f7b1d3'
down_revision = 'd8e4b2a6f1c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meet_dismissals',
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['other_id'], ['attendees.id'], name=op.f('fk_meet_dismissals_other_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['attendees.id'], name=op.f('fk_meet_dismissals_owner_id_attendees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('owner_id', 'other_id', name=op.f('pk_meet_dismissals'))
    )
    with op.batch_alter_table('meet_dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meet_dismissals_other_id'), ['other_id'], unique=False)

    op.create_table('meet_opt_ins',
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_meet_opt_ins_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_meet_opt_ins_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attendee_id', name=op.f('pk_meet_opt_ins'))
    )
    with op.batch_alter_table('meet_opt_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meet_opt_ins_event_id'), ['event_id'], unique=False)



def downgrade():
    with op.batch_alter_table('meet_opt_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meet_opt_ins_event_id'))

    op.drop_table('meet_opt_ins')
    with op.batch_alter_table('meet_dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meet_dismissals_other_id'))

    op.drop_table('meet_dismissals')
