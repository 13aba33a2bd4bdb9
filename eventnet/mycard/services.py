"""My card, per person (issue 14): who holds my card, what each of them gets, taking it back,
sharing it again, and letting every copy expire some months after the event.

What a holder gets is written on THEIR connection row toward me (card_fields, card_revoked_at:
see connections.models.Connection) and read by attendees.cards.card_for everywhere a copy shows.
Removing someone from my own contact list deletes only my row, so it changes only my list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import lazyload

from ..attendees.cards import expires_at, granted_fields
from ..attendees.models import Attendee
from ..connections.models import Connection
from ..database import utcnow
from ..errors import fail
from ..extensions import db
from ..i18n.markers import N_

# N_: English data; the pages translate each label where they show it.
FIELD_LABELS = {
    "photo": N_("Photo"), "headline": N_("Headline"), "company": N_("Company"), "bio": N_("Bio"), "email": N_("Email"),
    "phone": N_("Phone"), "linkedin": "LinkedIn", "website": N_("Website"), "links": N_("Links"), "topics": N_("Topics"),
}


@dataclass
class Holding:
    """One holder of my card: their copy (their row toward me), who they are, what they get."""

    copy: Connection
    holder: Attendee
    fields: list[str]

    @property
    def defaults(self) -> bool:
        return self.copy.card_fields is None

    @property
    def revoked(self) -> bool:
        return self.copy.card_revoked_at is not None


def _holdings(me: Attendee):
    return (
        db.select(Connection, Attendee)
        .join(Attendee, Attendee.id == Connection.owner_id)
        .options(lazyload(Attendee.event))
        .where(Connection.contact_id == me.id, Connection.event_id == me.event_id)
    )


def holders(me: Attendee) -> list[Holding]:
    """Everyone who holds my card (everyone I exchanged with, whether or not they are still in
    my list), by name, with the fields each gets. One query."""
    rows = db.session.execute(_holdings(me).order_by(func.lower(Attendee.name), Connection.id)).all()
    return [Holding(copy, holder, granted_fields(me, copy)) for copy, holder in rows]


def holding_or_404(me: Attendee, holder_id: int) -> Holding:
    """The holder `holder_id`'s copy of my card; anyone who holds none is a 404."""
    row = db.session.execute(_holdings(me).where(Connection.owner_id == holder_id)).first()
    if row is None:
        fail(404, _("This person does not have your card."))
    copy, holder = row
    return Holding(copy, holder, granted_fields(me, copy))


def given_to(me: Attendee, holder_id: int | None) -> Connection | None:
    """holder's copy of my card (their row toward me), for the after-scan "What they get" line."""
    if holder_id is None:
        return None
    return db.session.execute(
        db.select(Connection).filter_by(owner_id=holder_id, contact_id=me.id)
    ).scalar_one_or_none()


def set_fields(holding: Holding, fields: list[str] | None) -> None:
    """What this holder gets: `fields` (within my profile's sharing), or None for my profile's
    defaults, which then follow every later change of the profile. Commits."""
    holding.copy.card_fields = fields
    db.session.commit()


def take_back(holding: Holding) -> None:
    """Their copy shows only my name and the event from now on; their own note stays. Commits."""
    if holding.copy.card_revoked_at is None:
        holding.copy.card_revoked_at = utcnow()
        db.session.commit()


def share_again(holding: Holding) -> None:
    """Undo take_back: they see again what they got before (the fields stay as chosen). Commits."""
    holding.copy.card_revoked_at = None
    db.session.commit()


def set_expiry(me: Attendee, months: int | None) -> None:
    """Every copy of my card shrinks to my name and the event `months` after the event ends. Commits."""
    me.card_expiry_months = months
    db.session.commit()


def expiry_of(me: Attendee) -> datetime | None:
    """When my shared details expire, or None."""
    return expires_at(me)


def holding_export(holding: Holding) -> dict:
    """What one holder gets of my card, as my JSON export says it."""
    revoked_at = holding.copy.card_revoked_at
    return {"fields": holding.fields, "profile_defaults": holding.defaults,
            "revoked_at": revoked_at.isoformat() if revoked_at else None}


def export(me: Attendee, holdings: list[Holding]) -> dict:
    """My card's sharing for my JSON export: the expiry and, per holder, what they get."""
    expiry = expiry_of(me)
    return {
        "expiry_months": me.card_expiry_months,
        "expires_at": expiry.isoformat() if expiry else None,
        "holders": [{"name": h.holder.name, **holding_export(h)} for h in holdings],
    }
