"""bound event times: move stored times outside 2000-2100 to the nearest bound

The forms and the command line now refuse such times (eventnet.events.times), and the Event
model refuses to store one. Rows written before could hold, say, an end on 9999-12-31, which
made "the morning after" overflow and broke that event's pages and every event's digests.

Revision ID: b7e2c41d9a05
Revises: fa4c9f4817a6
Create Date: 2026-12-05 02:10:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c41d9a05'
down_revision = 'fa4c9f4817a6'
branch_labels = None
depends_on = None

EARLIEST = datetime(2000, 1, 2, tzinfo=timezone.utc)
LATEST = datetime(2100, 12, 30, tzinfo=timezone.utc)
COLUMNS = ("starts_at", "ends_at", "scan_opens_at", "scan_closes_at", "digest_at")


def upgrade():
    events = sa.table("events", *(sa.column(name, sa.DateTime(timezone=True)) for name in COLUMNS))
    for name in COLUMNS:
        column = events.c[name]
        op.execute(events.update().where(column > LATEST).values({name: LATEST}))
        op.execute(events.update().where(column < EARLIEST).values({name: EARLIEST}))


def downgrade():
    # The times that were out of range are gone; nothing to restore.
    pass
