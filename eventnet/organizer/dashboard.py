"""The live picture of an event: aggregates only, never whose contacts are whose.

Exchanges per hour are counted in SQL (GROUP BY an hour bucket) and labelled in Python in the
event's time zone. The buckets are UTC hours shifted by the zone's minutes past the hour (India's
+05:30, Nepal's +05:45), so every bucket is exactly one local clock hour, DST included, and the
same query works on SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import BigInteger, cast, func

from ..attendees.models import Attendee
from ..connections.models import Connection
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n.formats import weekday_time
from ..followthrough.services import EventFollowThrough, event_followthrough
from ..mail.models import OutboxMessage
from ..mail.relay import MailState, mail_state

BUSIEST = 3
CHART_W, CHART_H = 640, 220
CHART_PAD_LEFT, CHART_PAD_BOTTOM, CHART_PAD_TOP = 40, 28, 12


@dataclass
class HourCount:
    """Exchanges in one local clock hour."""

    start: datetime  # aware, in the event's zone
    count: int

    @property
    def label(self) -> str:
        """"Tue 09:00" in the reader's language (the hour starts on the local clock's hour)."""
        return weekday_time(self.start)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    hour: HourCount


@dataclass
class Chart:
    """Geometry of the server-rendered SVG bar chart."""

    bars: list[Bar]
    width: int = CHART_W
    height: int = CHART_H
    max_count: int = 0
    ticks: list[tuple[float, int]] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    baseline: float = 0.0


@dataclass
class Dashboard:
    """Everything the dashboard shows, computed in one go."""

    attendees: int
    logged_in: int
    exchanged: int
    exchanges: int
    hours: list[HourCount]
    busiest: list[HourCount]
    digests: dict[str, int]
    digest_reasons: list[tuple[str, int]]
    updated_at: datetime
    mail: MailState | None = None
    followthrough: EventFollowThrough | None = None

    @property
    def exchanged_share(self) -> int:
        """Percent of attendees with at least one exchanged card, rounded."""
        return round(100 * self.exchanged / self.attendees) if self.attendees else 0

    @property
    def logged_in_share(self) -> int:
        return round(100 * self.logged_in / self.attendees) if self.attendees else 0

    @property
    def chart(self) -> Chart:
        return build_chart(self.hours)


def _offset_minutes(event: Event) -> int:
    """The zone's minutes past the hour (0 for most zones, 30 for India, 45 for Nepal)."""
    offset = event.starts_at.astimezone(event.tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60) % 60


def _hour_bucket(column, shift_minutes: int):
    """SQL: the hour number since the epoch of `column` shifted by `shift_minutes` (SQLite and PostgreSQL)."""
    if db.engine.dialect.name == "postgresql":
        # extract() gives a fractional number; a cast would round it, floor() does not.
        seconds = cast(func.floor(func.extract("epoch", column)), BigInteger)
    else:
        seconds = cast(func.strftime("%s", column), BigInteger)
    return (seconds + shift_minutes * 60) // 3600  # integer division on both databases


def exchanges_per_hour(event: Event) -> list[HourCount]:
    """Exchanges (one per pair, counted on the scanning side) per local clock hour, gaps filled with zeros."""
    shift = _offset_minutes(event)
    bucket = _hour_bucket(Connection.created_at, shift).label("bucket")
    rows = db.session.execute(
        db.select(bucket, func.count(Connection.id))
        .where(Connection.event_id == event.id, Connection.initiated.is_(True))
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    if not rows:
        return []
    counts = {int(b): n for b, n in rows}
    first, last = min(counts), max(counts)
    hours = []
    for b in range(first, last + 1):
        start = datetime.fromtimestamp(b * 3600 - shift * 60, tz=timezone.utc).astimezone(event.tz)
        hours.append(HourCount(start, counts.get(b, 0)))
    return hours


def build_chart(hours: list[HourCount]) -> Chart:
    """Bar positions for the SVG: one bar per hour, a y axis with round ticks."""
    if not hours:
        return Chart(bars=[])
    top = max(h.count for h in hours)
    step = max(1, _nice_step(top))
    scale_max = step * -(-top // step) if top else 1
    plot_w = CHART_W - CHART_PAD_LEFT - 8
    plot_h = CHART_H - CHART_PAD_BOTTOM - CHART_PAD_TOP
    slot = plot_w / len(hours)
    baseline = CHART_PAD_TOP + plot_h
    bars = []
    for i, h in enumerate(hours):
        height = plot_h * h.count / scale_max
        bars.append(Bar(CHART_PAD_LEFT + i * slot + slot * 0.1, baseline - height, slot * 0.8, height, h))
    ticks = [(baseline - plot_h * v / scale_max, v) for v in range(0, scale_max + 1, step)]
    every = max(1, -(-len(hours) // 8))  # at most about eight hour labels under the bars
    labels = [(CHART_PAD_LEFT + i * slot + slot / 2, h.start.strftime("%H:00")) for i, h in enumerate(hours) if i % every == 0]
    return Chart(bars=bars, max_count=top, ticks=ticks, labels=labels, baseline=baseline)


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 5:
            return step
    return 10 ** len(str(top))


def build_dashboard(event: Event) -> Dashboard:
    """The dashboard's numbers for one event, from a handful of aggregate queries."""
    attendees, logged_in = db.session.execute(
        db.select(func.count(Attendee.id), func.count(Attendee.last_login_at)).where(Attendee.event_id == event.id)
    ).one()
    exchanged = db.session.execute(
        db.select(func.count(func.distinct(Connection.owner_id))).where(Connection.event_id == event.id)
    ).scalar_one()
    hours = exchanges_per_hour(event)
    busiest = sorted((h for h in hours if h.count), key=lambda h: (-h.count, h.start))[:BUSIEST]
    digests = dict(db.session.execute(
        db.select(OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind == "digest")
        .group_by(OutboxMessage.status)
    ).all())
    reasons = [(reason or "unknown", n) for reason, n in db.session.execute(
        db.select(OutboxMessage.last_error, func.count(OutboxMessage.id))
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind == "digest", OutboxMessage.status == "failed")
        .group_by(OutboxMessage.last_error)
        .order_by(func.count(OutboxMessage.id).desc())
        .limit(5)
    ).all()]
    return Dashboard(
        attendees=attendees, logged_in=logged_in, exchanged=exchanged, exchanges=sum(h.count for h in hours),
        hours=hours, busiest=busiest, digests=digests, digest_reasons=reasons,
        updated_at=utcnow(), mail=mail_state(event), followthrough=event_followthrough(event),
    )

