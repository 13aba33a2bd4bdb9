"""My card, per person: the "Who has my card" page, one holder's page, take back, share again,
expiry. Plain forms and redirects, so nothing here needs JavaScript."""
from __future__ import annotations

from flask import Blueprint, flash, g, render_template, url_for
from flask_babel import gettext as _

from ..attendees.cards import card_for, withheld
from ..attendees.models import CARD_EXPIRY_MONTHS, SHAREABLE_FIELDS
from ..auth.session import attendee_required
from ..connections.services import get_connection_or_404
from ..errors import fail
from ..htmx import redirect_to
from . import services
from .forms import EXPIRY_HINT, FIELDS_HINT, CardFieldsForm, ExpiryForm, TakeBackForm

bp = Blueprint("mycard", __name__)


@bp.app_template_global("card_given_to")
def card_given_to(holder_id: int | None):
    """For the after-scan sheet: the Holding of my card by holder_id (None without one)."""
    copy = services.given_to(g.attendee, holder_id) if getattr(g, "attendee", None) else None
    if copy is None:
        return None
    return services.Holding(copy, None, services.granted_fields(g.attendee, copy))


@bp.app_template_global("card_field_labels")
def card_field_labels() -> dict:
    """The shareable fields' labels, for the "What they get" line."""
    return services.FIELD_LABELS


@bp.app_template_global("my_card_expired")
def my_card_expired() -> bool:
    """Whether the logged-in attendee's card has expired (every copy is name and event only)."""
    return withheld(g.attendee, None) == "expired"


def _context(**extra) -> dict:
    return {"labels": services.FIELD_LABELS, "expiry_choices": CARD_EXPIRY_MONTHS,
            "expires_at": services.expiry_of(g.attendee),
            "expired": my_card_expired(), **extra}


@bp.get("/e/<slug>/card/holders")
@attendee_required
def holders():
    """Everyone who holds my card, what each gets, and my card's expiry."""
    return render_template("mycard/holders.html", holdings=services.holders(g.attendee), **_context())


@bp.get("/e/<slug>/card/holders/<int:attendee_id>")
@attendee_required
def holder(attendee_id: int):
    """One holder: what they get (checkboxes), take my card back or share it again."""
    holding = services.holding_or_404(g.attendee, attendee_id)
    return render_template("mycard/holder.html", h=holding, shareable=SHAREABLE_FIELDS,
                           preview=card_for(g.attendee, holding.copy), **_context())


def _back(holding) -> str:
    return url_for("mycard.holder", slug=g.event.slug, attendee_id=holding.holder.id)


@bp.get("/e/<slug>/contacts/<int:connection_id>/my-card")
@attendee_required
def for_contact(connection_id: int):
    """From one of my contacts (the scanner's sheet knows only my connection): their holder page."""
    connection = get_connection_or_404(g.attendee, connection_id)
    holding = services.holding_or_404(g.attendee, connection.contact_id or 0)
    return redirect_to(_back(holding))


@bp.post("/e/<slug>/card/holders/<int:attendee_id>/fields")
@attendee_required
def set_fields(attendee_id: int):
    """Save what this holder gets; the "Profile defaults" button forgets the choice."""
    holding = services.holding_or_404(g.attendee, attendee_id)
    form = CardFieldsForm()
    if form.defaults.data == "1":
        services.set_fields(holding, None)
        flash(_("%(name)s gets what your profile shares.", name=holding.holder.name), "ok")
    elif not form.validate():
        fail(422, str(FIELDS_HINT))
    else:
        services.set_fields(holding, form.chosen)
        flash(_("Saved what %(name)s gets.", name=holding.holder.name), "ok")
    return redirect_to(_back(holding))


@bp.post("/e/<slug>/card/holders/<int:attendee_id>/take-back")
@attendee_required
def take_back(attendee_id: int):
    """Take my card back from one holder, after a confirmation page (no JavaScript needed)."""
    holding = services.holding_or_404(g.attendee, attendee_id)
    if TakeBackForm().confirm.data != "1":
        return render_template("mycard/confirm_take_back.html", h=holding)
    services.take_back(holding)
    flash(_("You took your card back: %(name)s now sees only your name and the event.", name=holding.holder.name), "ok")
    return redirect_to(_back(holding))


@bp.post("/e/<slug>/card/holders/<int:attendee_id>/share-again")
@attendee_required
def share_again(attendee_id: int):
    """Give one holder my card again, with what they got before."""
    holding = services.holding_or_404(g.attendee, attendee_id)
    services.share_again(holding)
    flash(_("%(name)s has your card again.", name=holding.holder.name), "ok")
    return redirect_to(_back(holding))


@bp.post("/e/<slug>/card/expiry")
@attendee_required
def set_expiry():
    """Let every copy of my card expire N months after the event, or never."""
    form = ExpiryForm()
    if not form.validate():
        fail(422, str(EXPIRY_HINT))
    services.set_expiry(g.attendee, form.value)
    flash(_("Saved when your shared details expire."), "ok")
    return redirect_to(url_for("mycard.holders", slug=g.event.slug))
