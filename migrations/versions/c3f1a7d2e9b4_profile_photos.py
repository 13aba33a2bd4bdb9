"""profile photos: a table of photo bytes, the photo's public key on attendees, "photo" shared

Photos live in the database (backed up and deleted with everything else), one row per
attendee. attendees.photo_key is the photo's random public name. Every existing attendee gets
"photo" among their shared fields, as new attendees do (SHARED_BY_DEFAULT): nobody has a photo
yet, so nothing new is shown until a person uploads one, beside its "Share photo" switch.

Revision ID: c3f1a7d2e9b4
Revises: 9accec24557a
Create Date: 2026-12-06 09:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a7d2e9b4'
down_revision = '9accec24557a'
branch_labels = None
depends_on = None


def _rewrite_shared_fields(change) -> None:
    """Apply `change(list) -> list` to every attendee's shared_fields (JSON text on SQLite, json on PostgreSQL)."""
    attendees = sa.table('attendees', sa.column('id', sa.Integer), sa.column('shared_fields', sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(attendees.c.id, attendees.c.shared_fields)).all()
    for row in rows:
        fields = row.shared_fields
        if isinstance(fields, str):  # a JSON column read without its type's decoder
            fields = json.loads(fields)
        fields = list(fields or [])
        new = change(fields)
        if new != fields:
            connection.execute(attendees.update().where(attendees.c.id == row.id).values(shared_fields=new))


def upgrade():
    op.create_table('profile_photos',
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_profile_photos_attendee_id_attendees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attendee_id', name=op.f('pk_profile_photos'))
    )
    # SQLite may rebuild the table: it must keep AUTOINCREMENT (ids are in signed email links).
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('photo_key', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_attendees_photo_key'), ['photo_key'])
    _rewrite_shared_fields(lambda fields: sorted(set(fields) | {'photo'}))


def downgrade():
    _rewrite_shared_fields(lambda fields: [field for field in fields if field != 'photo'])
    with op.batch_alter_table('attendees', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_attendees_photo_key'), type_='unique')
        batch_op.drop_column('photo_key')
    op.drop_table('profile_photos')
