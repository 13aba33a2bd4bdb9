"""Pausing the outbox while the mail relay refuses us, and resuming when it takes mail again.

A relay that refuses our login, wants TLS first, denies relaying for our sender or cannot be
reached would refuse every message alike: failing them one by one would burn every email of a
digest run on a deployment mistake (issue 10). Instead the sender that meets such a refusal
(transports.RelayUnavailable) pauses the whole outbox here, and its rows simply wait.

One row (mail_relay, id 1) holds the state, shared through the database by every sender (cron
runs and workers alike) and read by the organizer's dashboard:

- `pause()`: the first sender to meet the refusal starts the pause and logs one warning; later
  refusals push the next try back (MAIL_RELAY_RETRY_SECONDS, 30 s, doubling to 5 minutes) and
  log again only when the relay's answer changes;
- `begin_round()`: before a round, a sender learns whether to send ("open"), to try the relay
  with this round ("probe": one sender at a time gets it) or to leave the outbox alone ("wait").
  A sender started with other relay settings than the pause was seen with (the deployment was
  fixed and restarted) probes at once instead of waiting out the backoff;
- `resume()`: the probe delivered; one line says so and every sender goes on.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import utcnow
from ..extensions import db
from ..i18n.formats import format_moment
from .models import OutboxMessage, RelayState

if TYPE_CHECKING:
    from ..events.models import Event

log = logging.getLogger(__name__)

RELAY_ROW = 1
RETRY_BASE_SECONDS = 30.0  # MAIL_RELAY_RETRY_SECONDS overrides it (tests use a fraction of a second)
RETRY_MAX_SECONDS = 5 * 60.0  # a relay fixed on its side is noticed within five minutes

Turn = Literal["open", "probe", "wait"]


@dataclass(frozen=True)
class RelayStatus:
    """The relay as senders last found it (times aware UTC)."""

    paused_since: datetime | None
    reason: str  # plain words for the organizer, e.g. "the mail server refused our login"
    last_reply: str  # the relay's answer, e.g. "535 5.7.8 Authentication failed", or the network error
    retry_at: datetime | None  # when a sender tries it again
    tries: int  # failed tries since the pause began

    @property
    def paused(self) -> bool:
        return self.paused_since is not None


def describe(state: RelayStatus) -> str:
    """One line for a command's output (in its language, eventnet.i18n.cli): since when, why, the
    relay's answer and the next try. The reason is stored as the sender wrote it (English)."""
    def when(moment: datetime | None) -> str:
        return format_moment(moment.astimezone(timezone.utc), "%d %b %Y %H:%M:%S") if moment else "?"

    values = {"since": when(state.paused_since), "reason": state.reason, "reply": state.last_reply,
              "retry": when(state.retry_at)}
    if state.retry_at:
        return _("outbox paused since %(since)s UTC: %(reason)s (%(reply)s); next try at %(retry)s UTC. Nothing has "
                 "failed: the emails wait and go out once the mail server takes them.", **values)
    return _("outbox paused since %(since)s UTC: %(reason)s (%(reply)s). Nothing has failed: the emails wait and go "
             "out once the mail server takes them.", **values)


def settings_key() -> str:
    """A keyed digest of the settings that decide how we reach the relay (SMTP_URL, its CA
    file, MAIL_FROM): equal for senders configured alike. Keyed with SECRET_KEY, so the stored
    digest is no help in guessing the password inside SMTP_URL."""
    config = current_app.config
    material = "\n".join(str(config.get(name) or "") for name in ("SMTP_URL", "SMTP_CA_FILE", "MAIL_FROM"))
    return hmac.new(str(config["SECRET_KEY"]).encode(), material.encode(), hashlib.sha256).hexdigest()[:32]


def relay_status() -> RelayStatus | None:
    """The relay's state as the database has it now; None when the outbox was never paused."""
    row = db.session.get(RelayState, RELAY_ROW, populate_existing=True)
    if row is None:
        return None
    return RelayStatus(row.paused_since, row.reason or "", row.last_reply or "", row.retry_at, row.tries or 0)


def _delay(tries: int) -> timedelta:
    base = float(current_app.config.get("MAIL_RELAY_RETRY_SECONDS") or RETRY_BASE_SECONDS)
    return timedelta(seconds=min(base * 2 ** max(tries - 1, 0), max(RETRY_MAX_SECONDS, base)))


def begin_round(key: str) -> tuple[Turn, RelayStatus | None]:
    """Whether this sender may send now: ("open" | "probe" | "wait", the state it read). Commits."""
    state = relay_status()
    db.session.commit()
    if state is None or not state.paused:
        return "open", state
    now = utcnow()
    # The UPDATE moves the next try on: of several senders looking at the same moment, the one
    # whose UPDATE matches probes, and the others find the try taken and wait.
    taken = db.session.execute(
        update(RelayState)
        .where(RelayState.id == RELAY_ROW, RelayState.paused_since.is_not(None),
               or_(RelayState.retry_at.is_(None), RelayState.retry_at <= now, RelayState.settings_key != key))
        .values(retry_at=now + _delay(state.tries + 1), settings_key=key)
    ).rowcount
    db.session.commit()
    return ("probe" if taken else "wait"), state


def _ensure_row() -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(RelayState).values(id=RELAY_ROW, reason="", last_reply="", tries=0, settings_key="")
                       .on_conflict_do_nothing(index_elements=["id"]))


def pause(key: str, reason: str, reply: str) -> RelayStatus:
    """Record that the relay refused us (`reason` in plain words, `reply` its answer). Commits.

    Logs a warning when this starts the pause, or when the relay's answer changed; a relay that
    keeps giving the same answer is logged once, however many senders and rounds meet it.
    """
    now = utcnow()
    _ensure_row()
    started = db.session.execute(
        update(RelayState).where(RelayState.id == RELAY_ROW, RelayState.paused_since.is_(None))
        .values(paused_since=now, reason=reason, last_reply=reply, tries=1, retry_at=now + _delay(1), settings_key=key)
    ).rowcount
    if started:
        db.session.commit()
        log.warning("mail relay refuses us: %s (%s); the outbox is paused, nothing fails, next try in %ds",
                    reason, reply, _delay(1).total_seconds())
    else:
        previous = relay_status()
        tries = (previous.tries if previous else 0) + 1
        db.session.execute(update(RelayState).where(RelayState.id == RELAY_ROW).values(
            reason=reason, last_reply=reply, tries=tries, retry_at=now + _delay(tries), settings_key=key))
        db.session.commit()
        if previous is None or previous.last_reply != reply:
            log.warning("mail relay still refuses us, now: %s (%s); the outbox stays paused", reason, reply)
        else:
            log.debug("mail relay still refuses us (try %d); next try in %ds", tries, _delay(tries).total_seconds())
    state = relay_status()
    db.session.commit()
    assert state is not None
    return state


def resume() -> bool:
    """The relay took a message: end the pause, if there is one. Commits; True when this ended it."""
    state = relay_status()
    # Ends the read before the write: a SQLite transaction that reads and then writes fails at
    # once ("database is locked") when another sender wrote in between, instead of waiting.
    db.session.commit()
    if state is None or not state.paused:
        return False
    now = utcnow()
    ended = db.session.execute(
        update(RelayState).where(RelayState.id == RELAY_ROW, RelayState.paused_since.is_not(None))
        .values(paused_since=None, retry_at=None, tries=0, resumed_at=now)
    ).rowcount
    db.session.commit()
    if ended:
        # At WARNING like the pause, so that whoever saw the one in the log also sees the other.
        log.warning("mail relay takes mail again: the outbox resumed after %ds (%s)",
                    (now - state.paused_since).total_seconds(), state.last_reply)
    return bool(ended)


@dataclass
class MailState:
    """The outbox paused because the mail relay refuses us, as one event sees it (the console shows it)."""

    relay: RelayStatus
    waiting: int  # this event's emails (any kind) held back meanwhile


def mail_state(event: Event) -> MailState | None:
    """Whether the outbox is paused (None when mail flows), with how many of this event's emails wait."""
    relay = relay_status()
    if relay is None or not relay.paused:
        return None
    waiting = db.session.execute(
        db.select(func.count(OutboxMessage.id))
        .where(OutboxMessage.event_id == event.id, OutboxMessage.status.in_(("pending", "sending")))
    ).scalar_one()
    return MailState(relay=relay, waiting=waiting)
