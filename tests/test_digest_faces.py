"""Faces in the digest: a shared photo travels inside the email (cid:), never as a remote image.

Through the real parts: photos stored by the real pipeline, digests queued by the schedule, and
sent by the sender to aiosmtpd; the received MIME tree is read back.
"""
from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

from PIL import Image

from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.digests import schedule
from eventnet.extensions import db
from eventnet.mail.services import deliver_due
from eventnet.photos.images import EMAIL_SIZE
from eventnet.photos.services import set_photo


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 600), colour).save(out, "JPEG")
    return out.getvalue()


def test_a_shared_photo_is_inline_in_the_digest_and_an_unshared_one_is_not_there(app_factory, make_event,
                                                                               make_attendee, smtp_server):
    now = utcnow()
    event = make_event(starts=now - timedelta(days=2), ends=now - timedelta(days=1))
    event.scan_closes_at = now + timedelta(hours=1)  # scans synced late, after the event
    ana = make_attendee(event, "ana@example.org", "Ana Lima")
    bob = make_attendee(event, "bob@example.org", "Bob Stone")
    cleo = make_attendee(event, "cleo@example.org", "Cleo Hidden")
    dan = make_attendee(event, "dan@example.org", "Dan Twin")
    set_photo(bob, jpeg((200, 30, 30)))
    set_photo(cleo, jpeg((30, 30, 200)))
    cleo.shared_fields = [f for f in cleo.shared_fields if f != "photo"]
    db.session.commit()
    for other in (bob, cleo, dan):
        record_scan(ana, other.badge_token, str(uuid.uuid4()))
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=ana.id, contact_id=bob.id)).scalar_one()
    mine.note = "Works on: rail timetables"  # one full entry, the others one line each
    db.session.commit()
    schedule.queue_digests(event)

    with app_factory(SMTP_URL=smtp_server.url).app_context():
        deliver_due()
        db.session.remove()
    received = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages()}
    msg = received["ana@example.org"]

    html_part = msg.get_body(("html",))
    html = html_part.get_content()
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert len(cids) == 1, cids  # Bob's face; Cleo hides hers, Dan has none: initials
    assert not re.search(r'<img[^>]+src="https?:', html)
    images = [p for p in msg.walk() if p.get_content_maintype() == "image"]
    assert [p["Content-ID"] for p in images] == [f"<{cids[0]}>"]
    # Related to the HTML (RFC 2387), shown inline, not offered as a file to open.
    related = next(p for p in msg.walk() if p.get_content_type() == "multipart/related")
    assert html_part in related.get_payload() and images[0] in related.get_payload()
    assert images[0].get_content_disposition() == "inline"
    with Image.open(io.BytesIO(images[0].get_content())) as face:
        assert face.size == (EMAIL_SIZE, EMAIL_SIZE)
        red, green, blue = face.convert("RGB").getpixel((EMAIL_SIZE // 2, EMAIL_SIZE // 2))
        assert red > 150 and blue < 80  # Bob's, not Cleo's
    assert ">CH<" in html and ">DT<" in html  # Cleo's and Dan's initials
    # The address book attachment is still there, as a file.
    assert any(p.get_filename() and p.get_filename().endswith(".vcf") for p in msg.walk())
