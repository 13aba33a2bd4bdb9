"""promises: a table of promises, and the note's prompted parts as columns on connections

Notes held the prompted parts as English line prefixes ("Works on: …", "Needs: …", "I can
offer: …", "I promised: …") that the digest parsed back. The upgrade moves each such line out of
the note: "Works on", "Needs" and "I can offer" into connections.works_on / needs / offers (lines
of one kind joined with "; "), each "I promised" line into a row of `promises`. A line that
would not fit (300 characters) stays in the note as it was. The downgrade writes them back as
prefixed lines at the end of the note; a promise marked done comes back as "I promised (done):",
which the old digest read as plain text, so a kept promise is not chased again.

Revision ID: e5a9c3d7b1f2
Revises: e5a1c9d3b7f2
Create Date: 2026-12-14 09:00:00.000000

"""
import re
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a9c3d7b1f2'
down_revision = 'e5a1c9d3b7f2'
branch_labels = None
depends_on = None

PART_MAX = 300
# The prefixes the old digest recognised (digests/suggestions.py PROMPTS at d8e4b2a6f1c7), kept
# here as they were: this migration must not change when the app's code does.
PREFIXES = {
    "promises": ("i promised:", "promised:", "promise:"),
    "needs": ("needs:", "they need:"),
    "works_on": ("works on:", "working on:"),
    "offers": ("i can offer:", "i offer:"),
}
WRITTEN_BACK = {"works_on": "Works on: ", "needs": "Needs: ", "offers": "I can offer: "}
BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s*")

connections = sa.table(
    'connections', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer), sa.column('owner_id', sa.Integer),
    sa.column('note', sa.Text), sa.column('works_on', sa.String), sa.column('needs', sa.String),
    sa.column('offers', sa.String),
)
promises = sa.table(
    'promises', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer), sa.column('owner_id', sa.Integer),
    sa.column('connection_id', sa.Integer), sa.column('text', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('done_at', sa.DateTime(timezone=True)),
)


def split_note(note):
    """(kept note, {part: [values]}, [promises]) of one note, by the old prefixes."""
    kept, parts, promised = [], {"works_on": [], "needs": [], "offers": []}, []
    for raw in (note or "").split("\n"):
        line = BULLET.sub("", raw).strip()
        lowered = line.lower()
        for name, prefixes in PREFIXES.items():
            prefix = next((p for p in prefixes if lowered.startswith(p)), None)
            if prefix is None:
                continue
            value = " ".join(line[len(prefix):].split())
            if value and len(value) <= PART_MAX:
                (promised if name == "promises" else parts[name]).append(value)
                break
        else:
            kept.append(raw)  # free text, or a prefix with nothing after it or too much
    # A part whose lines together would not fit keeps its later lines in the note.
    fitted = {}
    for name, values in parts.items():
        joined = ""
        for value in values:
            candidate = f"{joined}; {value}" if joined else value
            if len(candidate) <= PART_MAX:
                joined = candidate
            else:
                kept.append(WRITTEN_BACK[name] + value)
        fitted[name] = joined
    return "\n".join(kept).strip("\n"), fitted, promised


def upgrade():
    op.create_table('promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_promises_connection_id_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_promises_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['attendees.id'], name=op.f('fk_promises_owner_id_attendees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promises')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promises_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promises_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_promises_owner_done', ['owner_id', 'done_at'], unique=False)

    # SQLite may rebuild the table: it must keep AUTOINCREMENT (connection ids are in signed links).
    with op.batch_alter_table('connections', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('works_on', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('needs', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('offers', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('promise_dismissed', sa.String(length=300), nullable=True))

    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    rows = bind.execute(sa.select(connections.c.id, connections.c.event_id, connections.c.owner_id, connections.c.note)
                        .where(sa.func.lower(connections.c.note).like('%:%'))).all()
    for id_, event_id, owner_id, note in rows:
        kept, parts, promised = split_note(note)
        if kept == (note or "") and not promised and not any(parts.values()):
            continue
        bind.execute(connections.update().where(connections.c.id == id_).values(note=kept, **parts))
        for text in promised:
            bind.execute(promises.insert().values(event_id=event_id, owner_id=owner_id, connection_id=id_,
                                                  text=text, created_at=now))


def downgrade():
    bind = op.get_bind()
    written = {}
    for id_, note, *parts in bind.execute(sa.select(
            connections.c.id, connections.c.note, connections.c.works_on, connections.c.needs, connections.c.offers)).all():
        lines = [WRITTEN_BACK[name] + value for name, value in zip(("works_on", "needs", "offers"), parts) if value]
        written[id_] = (note, lines)
    for connection_id, text, done_at in bind.execute(
            sa.select(promises.c.connection_id, promises.c.text, promises.c.done_at).order_by(promises.c.id)).all():
        written[connection_id][1].append(("I promised (done): " if done_at else "I promised: ") + text)
    for id_, (note, lines) in written.items():
        if lines:
            bind.execute(connections.update().where(connections.c.id == id_)
                         .values(note="\n".join([note] + lines if note else lines)))

    with op.batch_alter_table('connections', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('promise_dismissed')
        batch_op.drop_column('offers')
        batch_op.drop_column('needs')
        batch_op.drop_column('works_on')

    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_index('ix_promises_owner_done')
        batch_op.drop_index(batch_op.f('ix_promises_event_id'))
        batch_op.drop_index(batch_op.f('ix_promises_connection_id'))

    op.drop_table('promises')
