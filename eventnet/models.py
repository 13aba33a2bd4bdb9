"""Imports every feature's models so that the mapper and Alembic see the whole schema."""
from .attendees.models import Attendee  # noqa: F401
from .auth.models import Administrator, LoginSession, LoginToken  # noqa: F401
from .badges.models import BadgeImage, RevokedBadge  # noqa: F401
from .events.models import Event  # noqa: F401
from .mail.models import OutboxMessage  # noqa: F401
from .connections.models import Connection, Scan  # noqa: F401
from .audit.models import AuditLog  # noqa: F401
from .attendees.importer.models import CsvUpload  # noqa: F401
from .digests.models import DigestRun, MailPreference  # noqa: F401
from .photos.models import ProfilePhoto  # noqa: F401
from .branding.models import EventLogo  # noqa: F401
from .meet.models import MeetDismissal, MeetOptIn  # noqa: F401
from .promises.models import Promise  # noqa: F401
from .introductions.models import Introduction, IntroductionOptOut  # noqa: F401
