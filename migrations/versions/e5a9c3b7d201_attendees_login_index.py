"""attendees login index: (event_id, last_login_at)

The organizer's attendee page counts the event's attendees who never logged in on every view
(its login-email button), and "never logged in" is one of its filters: without an index both
read every attendee row of the event. An index on (event_id, last_login_at) answers the count
from the index alone. Creating it changes no data.

Revision ID: e5a9c3b7d201
Revises: e5a9c3d7b1f2
Create Date: 2026-12-06 00:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5a9c3b7d201'
down_revision = 'e5a9c3d7b1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_attendees_event_login', 'attendees', ['event_id', 'last_login_at'], unique=False)


def downgrade():
    op.drop_index('ix_attendees_event_login', table_name='attendees')
