"""E-mail: what a notification says by mail, and sending it over SMTP with aiosmtplib.

Case material never leaves by e-mail. The mail says what kind of thing happened and links to the
desk, where the member signs in to read it; the producer's subject and body stay in the app.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

import aiosmtplib

from expertnet.config import Settings
from expertnet.db import utcnow
from expertnet.web.i18n import N_, translate

log = logging.getLogger(__name__)

# No transaction is held while SMTP talks; the timeout bounds how long a stalled server keeps a drainer.
SMTP_TIMEOUT_SECONDS = 10

# kind -> (subject line, what happened). "{request}" becomes "A consultation request (urgent)".
_TEXTS: dict[str, tuple[str, str]] = {
    "offer": (
        "New request offered to you",
        "{request} is offered to you. Open the desk to read it and accept or decline",
    ),
    "offer_closed": (
        "Offer closed",
        "A consultation request offered to you is no longer open to you. Nothing more is needed from you",
    ),
    "accepted": ("Request accepted by an expert", "An expert has accepted {request_lower}. Open the desk to follow it"),
    "declined": (
        "Offer declined",
        "An expert has declined an offer of {request_lower}. Open the desk to see where it stands",
    ),
    "expired": (
        "Offer expired",
        "An offer of {request_lower} expired without an answer. Open the desk to see where it stands",
    ),
    "message": ("New message", "There is a new message in a consultation you take part in. Open the desk to read it"),
    "opinion": (
        "Expert opinion given",
        "An expert has given a written opinion in a consultation you take part in. Open the desk to read it",
    ),
    "closed": (
        "Consultation closed",
        "A consultation you take part in has been closed. Open the desk to see the outcome",
    ),
    "withdrawn": ("Request withdrawn", "{request} you were involved in has been withdrawn by the requester"),
    "escalated": (
        "Request needs attention",
        "{request} needs attention from the secretariat. Open the desk to act on it",
    ),
    "reoffered": (
        "Request offered to further experts",
        "{request} has been offered to further experts. Open the desk to follow it",
    ),
    "vetting_approved": (
        "Membership approved",
        "Your membership of the expert network has been approved. Sign in to the desk",
    ),
    "vetting_rejected": (
        "Application not approved",
        "Your application to the expert network was not approved. Sign in to the desk or contact the secretariat for details",
    ),
    "second_factor_reset": (
        "Your second factor was reset",
        "The network secretariat has turned off the second factor of your account. Sign in with your "
        "password and set up a new one. If you did not ask for this, contact the secretariat at once",
    ),
    "vetting_suspended": (
        "Membership suspended",
        "Your membership of the expert network has been suspended. Contact the secretariat for details",
    ),
    "vetting_revet": (
        N_("Re-vetting due"),
        N_(
            "Your membership of the expert network is due to be re-vetted. Sign in to the desk to keep your details up to date"
        ),
    ),
}
# Vetting news is mailed in the member's interface language, with the secretariat's reason: it is
# about the member, not about a case.
_TEXTS.update(
    {
        "vetting_approved": (
            N_("Membership approved"),
            N_("Your membership of the expert network has been approved. Sign in to the desk"),
        ),
        "vetting_rejected": (
            N_("Application not approved"),
            N_(
                "Your application to the expert network was not approved. Sign in to the desk or contact the secretariat for details"
            ),
        ),
        "vetting_suspended": (
            N_("Membership suspended"),
            N_("Your membership of the expert network has been suspended. Contact the secretariat for details"),
        ),
    }
)
VETTING_MAIL_KINDS = ("vetting_approved", "vetting_rejected", "vetting_suspended", "vetting_revet")
_FALLBACK = ("News on the desk", "There is news for you on the desk. Open the desk to read it")
_FOOTER = (
    "For confidentiality, case details are never sent by e-mail; they are only shown on the desk "
    "after you sign in.\n"
    "This message was sent automatically by the expertnet consultation desk; please do not reply to it."
)


_ACCOUNT_FOOTER = N_(
    "This message was sent automatically by the expertnet consultation desk; please do not reply to it."
)
# purpose -> (subject, what the link does, until when). Nothing of any case: a name and a link.
_ACCOUNT_TEXTS: dict[str, tuple[str, str]] = {
    "invitation": (
        N_("You are invited to the expert network"),
        N_(
            "Hello %(name)s,\n\nthe secretariat of the expert network on cultural goods invites you to the "
            "consultation desk. Open this link to choose your password and sign in:"
        ),
    ),
    "reset": (
        N_("Reset your password"),
        N_(
            "Hello %(name)s,\n\nsomeone (hopefully you) asked to reset the password of your account on the "
            "expertnet consultation desk. Open this link to choose a new password:"
        ),
    ),
    "confirm": (
        N_("Confirm your e-mail address"),
        N_(
            "Hello %(name)s,\n\nthank you for applying to the expert network. Open this link to confirm your "
            "e-mail address; the secretariat reviews your application once it is confirmed:"
        ),
    ),
}
_ACCOUNT_AFTER = {
    "invitation": N_(
        "The link works once and until %(until)s (UTC). If it has expired, ask the secretariat for a new one."
    ),
    "reset": N_(
        "The link works once and until %(until)s (UTC). If you did not ask for it, ignore this message: your "
        "password stays as it is."
    ),
    "confirm": N_("The link works once and until %(until)s (UTC)."),
}


def compose_account(
    settings: Settings, purpose: str, link: str, *, name: str, until: str, locale: str
) -> tuple[str, str]:
    """The mail carrying a single-use link (members/tokens.py), in the member's language."""
    subject, opening = _ACCOUNT_TEXTS[purpose]
    text = (
        f"{translate(locale, opening, name=name)}\n\n{link}\n\n"
        f"{translate(locale, _ACCOUNT_AFTER[purpose], until=until)}\n\n-- \n{translate(locale, _ACCOUNT_FOOTER)}\n"
    )
    return f"[expertnet] {translate(locale, subject)}", text


def desk_link(settings: Settings, url: str) -> str:
    return settings.base_url.rstrip("/") + (url if url.startswith("/") else "/" + url)


def compose(
    settings: Settings,
    kind: str,
    url: str,
    consultation_id: int | None = None,
    urgency: str | None = None,
    *,
    locale: str = "en",
    reason: str = "",
) -> tuple[str, str]:
    """The e-mail subject and text for a notification: what happened and a link, nothing of the case.
    Vetting news (about the member, not a case) is translated and carries the secretariat's reason."""
    title, sentence = _TEXTS.get(kind, _FALLBACK)
    if kind in VETTING_MAIL_KINDS:
        title, sentence = translate(locale, title), translate(locale, sentence)
        footer = translate(locale, _ACCOUNT_FOOTER)
        why = f"{translate(locale, 'Reason given by the secretariat:')} {reason}\n\n" if reason.strip() else ""
        return f"[expertnet] {title}", f"{sentence}:\n\n{desk_link(settings, url)}\n\n{why}-- \n{footer}\n"
    request = f"A consultation request ({urgency})" if urgency else "A consultation request"
    sentence = sentence.format(request=request, request_lower=request[0].lower() + request[1:])
    # Short enough not to be folded: some clients show a folded subject with a leading space.
    subject = f"[expertnet] {title}" if consultation_id is None else f"[expertnet] {title} (#{consultation_id})"
    text = f"{sentence}:\n\n{desk_link(settings, url)}\n\n-- \n{_FOOTER}\n"
    return subject, text


@dataclass
class Outgoing:
    to: str
    subject: str
    text: str
    message_key: str  # stable per delivery unit, so a resent mail keeps its Message-ID


@dataclass
class BatchResult:
    sent: list[int] = field(default_factory=list)  # indexes into the batch
    rejected: dict[int, str] = field(default_factory=dict)  # permanent refusals: retrying cannot help
    error: Exception | None = None  # the transient failure that stopped the batch (retry later)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip("> ") or "expertnet.invalid"


def build_message(settings: Settings, item: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = item.to
    message["Subject"] = item.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<expertnet.{item.message_key}@{_domain(settings.mail_from)}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(item.text)
    return message


def _permanent(exc: Exception) -> str | None:
    """The reason when the server refused this one message for good (5xx), else None."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            return "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPDataError) and exc.code >= 500:
        return f"{exc.code} {exc.message}"
    return None


# Called after each message the server answered: (index, None) when accepted, (index, reason) when
# refused for good. The outbox handler records it there and then, so an accepted mail is never resent.
Recorder = Callable[[int, str | None], Awaitable[None]]


async def send_batch(
    settings: Settings,
    batch: list[Outgoing],
    *,
    before: Callable[[], None] | None = None,
    record: Recorder | None = None,
) -> BatchResult:
    """Send over one SMTP connection. Stops at the first transient failure and reports it.

    `before()` runs before each message and may raise to stop (the outbox lease was lost);
    `record` runs after each answer (see Recorder); an exception from either stops the batch."""
    result = BatchResult()
    if not batch:
        return result
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT_SECONDS,
        local_hostname=urlsplit(settings.base_url).hostname or None,
    )
    try:
        await smtp.connect()
    except Exception as exc:  # noqa: BLE001 - reported to the caller, which makes the outbox retry
        result.error = exc
        return result
    try:
        for index, item in enumerate(batch):
            try:
                if before is not None:
                    before()
                await smtp.send_message(build_message(settings, item))
            except Exception as exc:  # noqa: BLE001 - sorted into permanent and transient below
                reason = _permanent(exc)
                if reason is None:
                    result.error = exc
                    break
                log.warning("mail to member refused for good: %s", reason)
                result.rejected[index] = reason
            else:
                result.sent.append(index)
                reason = None
            if record is not None:
                try:
                    await record(index, reason)
                except Exception as exc:  # noqa: BLE001 - reported; the outbox retries what is not recorded
                    result.error = exc
                    break
    finally:
        try:
            await smtp.quit()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            smtp.close()
    return result
