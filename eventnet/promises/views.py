"""Promises: "My promises", adding one on a contact's page, done and open again, the signed
"promise done" link from an email (GET asks, the button POSTs)."""
from __future__ import annotations

from flask import Blueprint, flash, g, make_response, render_template, request, url_for
from flask_babel import gettext as _

from ..attendees.cards import public_card
from ..auth.session import attendee_required, get_event_or_404
# A module import: connections.views imports this package (its contact context) while loading.
from ..connections import services as connections
from ..digests import tokens
from ..htmx import redirect_to, wants_fragment
from . import services
from .forms import DoneForm, NoteDoneForm, NotAPromiseForm, PromiseForm
from .services import PromiseInvalid

bp = Blueprint("promises", __name__)


@bp.app_template_global()
def promise_overdue(promise) -> bool:
    """For promises/_item.html: marks an overdue promise whatever language its label is in."""
    return services.is_overdue(promise)


def _contact_url(connection_id: int) -> str:
    return url_for("connections.contact", slug=g.event.slug, connection_id=connection_id) + "#promises"


def contact_context(connection, **extra) -> dict:
    """What the contact page's promises section shows: the promises and the "Track this?" sentence."""
    tracked = services.promises_of(connection)
    return {"connection": connection, "promises": tracked, "due_label": services.due_label,
            "suggestion": services.suggestion_for(connection, tracked), **extra}


def _name_of(connection_id: int) -> str:
    contact = connections.contact_of(connections.get_connection_or_404(g.attendee, connection_id))
    return public_card(contact)["name"] if contact is not None else _("A deleted attendee")


def _section(connection, status: int = 200, **extra):
    return make_response(render_template("promises/_contact_promises.html", **contact_context(connection, **extra)),
                         status)


@bp.get("/e/<slug>/me/promises")
@attendee_required
def mine():
    """My promises: open ones first, soonest due first, then the done ones."""
    promises = services.my_promises(g.attendee)
    names = {}
    for promise in promises:
        if promise.connection_id not in names:
            names[promise.connection_id] = _name_of(promise.connection_id)
    response = make_response(render_template("promises/mine.html", promises=promises, names=names,
                                             due_label=services.due_label))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/e/<slug>/contacts/<int:connection_id>/promises")
@attendee_required
def add(connection_id: int):
    """Track a promise to this contact (the "Track this as a promise?" button, or typed)."""
    connection = connections.get_connection_or_404(g.attendee, connection_id)
    form = PromiseForm()
    try:
        services.add_promise(connection, form.promise.data, form.promise_due.data)
        if form.suggested.data:
            # Tracked as edited: the note's sentence it came from is handled, not suggested again.
            services.dismiss_suggestion(connection, form.suggested.data)
    except PromiseInvalid as invalid:
        values = form.redisplay()
        if wants_fragment():
            return _section(connection, 422, promise_errors=invalid.errors, promise_values=values)
        from ..connections.views import contact_page

        return contact_page(connection, 422, promise_errors=invalid.errors, promise_values=values)
    if wants_fragment():
        return _section(connection)
    flash(_("Promise tracked: it stays in your digest and reminders until you mark it done."), "ok")
    return redirect_to(_contact_url(connection.id))


@bp.post("/e/<slug>/contacts/<int:connection_id>/promises/dismiss")
@attendee_required
def dismiss(connection_id: int):
    """"Not a promise": the note's sentence is not suggested again."""
    connection = connections.get_connection_or_404(g.attendee, connection_id)
    services.dismiss_suggestion(connection, NotAPromiseForm().sentence.data)
    if wants_fragment():
        return _section(connection)
    return redirect_to(_contact_url(connection.id))


@bp.post("/e/<slug>/me/promises/<int:promise_id>/done")
@attendee_required
def toggle(promise_id: int):
    """Mark one of my promises done (done=1) or open again (done=0); back to where it was shown."""
    promise = services.get_promise_or_404(g.attendee, promise_id)
    form = DoneForm()
    done = form.done.data == "1"
    services.set_done(promise, done)
    shown_in = form.shown_in.data
    if wants_fragment():
        if shown_in == "contact":
            return _section(connections.get_connection_or_404(g.attendee, promise.connection_id))
        return render_template("promises/_item.html", promise=promise, due_label=services.due_label,
                               name=_name_of(promise.connection_id), shown_in="list")
    flash(_("Promise marked done.") if done else _("Promise open again."), "ok")
    if shown_in == "contact":
        return redirect_to(_contact_url(promise.connection_id))
    return redirect_to(url_for("promises.mine", slug=g.event.slug))


@bp.route("/e/<slug>/promises/<token>/done", methods=["GET", "POST"])
def done_by_link(slug: str, token: str):
    """A signed link from an email: GET asks (mail scanners open links), POST marks the promise done."""
    from ..digests.views import link_problem

    event = get_event_or_404(slug)
    g.event = event
    try:
        promise = services.promise_for_link(event, token)
    except tokens.LinkError as error:
        return link_problem(error, event, "link to mark a promise done")
    if request.method == "POST":
        services.set_done(promise, True)
    return render_template("promises/done.html", promise=promise, token=token, done=promise.done_at is not None)


@bp.route("/e/<slug>/promises/note/<token>/done", methods=["GET", "POST"])
def note_done_by_link(slug: str, token: str):
    """A signed link from a digest for a promise read in a note's free text: GET asks, POST
    tracks it and marks it done (services.keep_note_promise)."""
    from ..digests.views import link_problem

    event = get_event_or_404(slug)
    g.event = event
    try:
        connection = services.connection_for_note_link(event, token)
    except tokens.LinkError as error:
        return link_problem(error, event, "link to mark a promise done")
    sentence = services.suggestion_for(connection)
    if request.method == "POST" and sentence is not None:
        if NoteDoneForm().not_a_promise:
            # A false alarm of the phrase table: never chased again, as "Not a promise" in the app.
            services.dismiss_suggestion(connection, sentence)
            return render_template("promises/done.html", promise={"text": sentence}, done=True, dismissed=True)
        promise = services.keep_note_promise(connection)
        return render_template("promises/done.html", promise=promise, done=True)
    if sentence is None:
        # Tracked since (and maybe done in the app), called "not a promise", or the note changed.
        return render_template("promises/done.html", promise=None, done=True, gone=True)
    return render_template("promises/done.html", promise={"text": sentence}, done=False,
                           action=url_for("promises.note_done_by_link", slug=slug, token=token))
