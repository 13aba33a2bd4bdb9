"""The mail feature's public face: queueing (outbox), sending (sender) and transports in one import.

The code lives in modules named for what they do; this one keeps `from eventnet.mail.services
import queue_email, deliver_due` working for every other feature.
"""
from __future__ import annotations

from .outbox import (  # noqa: F401
    BUILDERS_KEY,
    PAUSABLE_KEY,
    PRODUCERS_KEY,
    REMOVED_FOR_DELETION,
    RESERVED_HEADERS,
    SCRUB_AFTER_SENDING,
    SCRUBBED,
    Attachment,
    Builder,
    BuiltEmail,
    SkipMessage,
    absolute_url,
    build_message,
    clean_header,
    database_unavailable,
    first_time,
    mail_context,
    new_message_id,
    pseudonymise_recipient,
    queue_email,
    register_builder,
    register_producer,
    render_email,
    render_mail_part,
    run_producers,
)
from .relay import RelayStatus, relay_status  # noqa: F401
from .sender import (  # noqa: F401
    BACKOFF_BASE_SECONDS,
    BACKOFF_MAX_SECONDS,
    BATCH,
    LEASE,
    MAX_ATTEMPTS,
    RETRY_SPAN,
    SendReport,
    backoff,
    claim_batch,
    deliver_due,
    outbox_counts,
    send_due,
)
from .transports import (  # noqa: F401
    SMTP_TIMEOUT,
    MaildirTransport,
    PermanentFailure,
    RelayUnavailable,
    SMTPTransport,
    TemporaryFailure,
    make_transport,
)
