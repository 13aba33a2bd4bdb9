"""Profiles: what an attendee tells about themselves and what they share, their photo included.

The profile page is one form plus the photo's two small forms (upload, remove), and a preview
of the card people get when they scan the badge, redrawn as the person types (preview()).
"""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, g, make_response, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.session import attendee_required, current_attendee, get_event_or_404
from ..errors import render_error
from ..extensions import limiter
from ..forms import errors_of
from ..ratelimit import browser_key, limit
from ..htmx import redirect_to, render_page, wants_fragment
from ..photos import images as photo_images
from ..photos import services as photos
from ..photos.images import PhotoRefused
from . import email_change, services
from .cards import public_card
from .forms import EXTRA_LINKS, LIMITS, LINK_LABEL_MAX, ProfileForm
from .links import LINK_URL_MAX
from .models import Attendee

bp = Blueprint("attendees", __name__)

PAGE = "attendees/profile.html"
FRAGMENT = "attendees/_profile_form.html"
PHOTO_FRAGMENT = "attendees/_photo_field.html"
# The photo upload's whole request: the file and the form's few small fields.
PHOTO_REQUEST_LIMIT = photo_images.MAX_BYTES + 64 * 1024


def _context(form: ProfileForm | None, saved: bool = False, photo_error: str | None = None,
             photo_status: str = "") -> dict:
    """The page's context; `form` None for the photo field alone (it shows no profile field)."""
    return dict(
        attendee=g.attendee, values=form.values() if form else {}, errors=errors_of(form) if form else {},
        saved=saved, limits=LIMITS, extra_links=EXTRA_LINKS, link_label_max=LINK_LABEL_MAX,
        link_url_max=LINK_URL_MAX, card=public_card(g.attendee), photo_error=photo_error,
        photo_status=photo_status, photo_max_bytes=photo_images.MAX_BYTES,
    )


def _render(form: ProfileForm, status: int = 200, saved: bool = False):
    return render_page(PAGE, FRAGMENT, status=status, **_context(form, saved))


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    # Runs before the app's before_request functions, CSRF's included, which would read the form
    # under the app-wide 2 MB limit: only the photo upload may bring up to 10 MB.
    if endpoint == "attendees.upload_photo":
        request.max_content_length = PHOTO_REQUEST_LIMIT


@bp.errorhandler(413)
def _too_large(error):
    """A body over the limit: the photo field says so (htmx), or a page with the way back."""
    if request.endpoint != "attendees.upload_photo":
        return render_error(413)  # a profile form is a few KB: nothing to explain to a person
    message = PhotoRefused("too_large").message
    # The limit stops the request before CSRF and login were checked (attendee_required did not
    # run): the fragment only for someone logged in for this very event.
    attendee = current_attendee()
    slug = (request.view_args or {}).get("slug")
    if attendee is not None and attendee.event.slug == slug:
        g.event, g.attendee = attendee.event, attendee
        if wants_fragment():
            return render_page(PAGE, PHOTO_FRAGMENT, status=413, **_context(None, photo_error=message))
    return render_error(413, _("That photo is too large"), message)


def _photo_answer(status_message: str, flash_message: str):
    """After a photo change: the photo field (htmx; the card preview redraws on "photo-changed"),
    or back to the profile page with a message."""
    if wants_fragment():
        response = render_page(PAGE, PHOTO_FRAGMENT, **_context(None, photo_status=status_message))
        response.headers["HX-Trigger"] = "photo-changed"
        return response
    flash(flash_message, "ok")
    return redirect_to(url_for("attendees.edit_profile", slug=g.event.slug))


@bp.post("/e/<slug>/profile/photo")
@attendee_required
@limiter.limit(limit("photo_upload"), key_func=browser_key)
def upload_photo():
    """Take an uploaded photo (camera or library), check it, store it square and bare; 422/413 with the reason."""
    upload = request.files.get("photo")
    try:
        if upload is None or not upload.filename:
            raise PhotoRefused("no_file")
        # One byte past the limit is enough to know it is over (process_photo says too_large).
        photos.set_photo(g.attendee, upload.read(photo_images.MAX_BYTES + 1))
    except PhotoRefused as refused:
        if wants_fragment():
            return render_page(PAGE, PHOTO_FRAGMENT, status=refused.status,
                               **_context(None, photo_error=refused.message))
        return render_page(PAGE, status=refused.status,
                           **_context(ProfileForm.of(g.attendee), photo_error=refused.message))
    return _photo_answer(_("Photo saved."), _("Photo saved"))


@bp.post("/e/<slug>/profile/photo/remove")
@attendee_required
def remove_photo():
    """Delete my photo: cards show my initials again and the photo's address stops answering."""
    photos.remove_photo(g.attendee)
    return _photo_answer(_("Photo removed."), _("Photo removed"))


@bp.post("/e/<slug>/profile/preview")
@attendee_required
@limiter.limit(limit("profile_preview"), key_func=browser_key)
def preview():
    """The card people would get if the form as typed were saved (nothing is saved): the real
    card partial through public_card(), swapped into the page's preview as the person types."""
    form = ProfileForm()
    form.validate()  # a field it refuses is left empty on the card: the preview never shows what saving would not
    person = Attendee(**asdict(form.profile_data()))
    # Not typed in this form: the login email and the photo (its own form) are as saved.
    person.email, person.photo_key = g.attendee.email, g.attendee.photo_key
    person.name = person.name or g.attendee.name  # a card without a name is no card
    response = make_response(render_template("badges/_card.html", card=public_card(person), preview=True))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/e/<slug>/profile", methods=["GET", "POST"])
@attendee_required
def edit_profile():
    """Show the profile form; on POST save it (422 with every value kept if something is wrong)."""
    if request.method == "GET":
        return _render(ProfileForm.of(g.attendee))
    form = ProfileForm()
    if not form.validate():
        return _render(form, status=422)
    services.update_profile(g.attendee, form.profile_data())
    if wants_fragment():
        return _render(ProfileForm.of(g.attendee), saved=True)
    flash(_("Profile saved"), "ok")
    return redirect_to(url_for("attendees.edit_profile", slug=g.event.slug))


@bp.route("/e/<slug>/email-change/<token>", methods=["GET", "POST"])
def confirm_email_change(slug: str, token: str):
    """A signed link sent to the current address: GET shows the change and a button (mail scanners
    open links, so GET changes nothing); the POST makes the new address the one I log in with."""
    g.event = get_event_or_404(slug)
    try:
        if request.method == "POST":
            change, done = email_change.confirm_change(g.event, token), True
        else:
            change, done = email_change.read_change(g.event, token), False
    except email_change.EmailChangeError as error:
        response = make_response(render_template("attendees/email_change_problem.html", error=error), error.status)
    else:
        response = make_response(render_template("attendees/email_change.html", change=change, token=token, done=done))
    # The link is a key to the account's address: no cache, no back-button copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
