"""Server messages in the reader's language, translated where a page shows them.

Services and schemas speak English (the API and the CLI keep those texts: they are a contract),
in the form `field: reason` or a bare reason. A page passes them through `server_message`, which
recognises each known reason by pattern and gives its translation, with the varying parts
(a status, a code, a number) filled in and translated too. A reason no pattern knows is not shown
in English to a reader of another language: the page says, in that language, that the value was
refused (tests/web/test_i18n_pages.py renders the pages in Russian and fails on English text).
"""

import re
from collections.abc import Callable

from expertnet.core import reference
from expertnet.web import i18n, labels
from expertnet.web.i18n import N_

Fill = Callable[[str, dict[str, str]], dict[str, str]]


def _status(locale: str, groups: dict[str, str]) -> dict[str, str]:
    out = dict(groups)
    for key in ("status", "current"):
        if key in out:
            known = labels.STATUSES.get(out[key]) or labels.VETTING.get(out[key])
            out[key] = i18n.translate(locale, known) if known else out[key]
    return out


def _status_lower(locale: str, groups: dict[str, str]) -> dict[str, str]:
    return {key: value.lower() for key, value in _status(locale, groups).items()}


def _country(locale: str, groups: dict[str, str]) -> dict[str, str]:
    try:
        return {**groups, "code": f"{groups['code']} ({reference.country_name(groups['code'], locale)})"}
    except ValueError:
        return groups


def _language(locale: str, groups: dict[str, str]) -> dict[str, str]:
    try:
        return {**groups, "code": f"{groups['code']} ({reference.language_name(groups['code'], locale)})"}
    except ValueError:
        return groups


def _same(locale: str, groups: dict[str, str]) -> dict[str, str]:
    return groups


WHAT = {"messages": N_("messages"), "files": N_("files"), "opinions": N_("opinions")}


def _what(locale: str, groups: dict[str, str]) -> dict[str, str]:
    out = _status(locale, groups)
    known = WHAT.get(out.get("what", ""))
    if known:
        out["what"] = i18n.translate(locale, known)
    return out


# (pattern of the English reason, msgid of its translation, how to fill the variables)
PATTERNS: list[tuple[re.Pattern[str], str, Fill]] = [
    (re.compile(p), msgid, fill)
    for p, msgid, fill in (
        # the desk
        (
            r"^the draft was changed elsewhere; reload and try again$",
            N_("The draft was changed elsewhere; reload the page and try again."),
            _same,
        ),
        (
            r"^already submitted \(the consultation is (?P<status>\w+)\)$",
            N_("The request has already been submitted (its status: %(status)s)."),
            _status,
        ),
        (
            r"^only a draft can be edited; this consultation is (?P<status>\w+)$",
            N_("Only a draft can be edited; this consultation's status is: %(status)s."),
            _status,
        ),
        (r"^has passed; edit the draft$", N_("The deadline has passed; edit the draft."), _same),
        (r"^is in the past$", N_("This is in the past."), _same),
        (r"^may not be empty$", N_("This field is required."), _same),
        (r"^already accepted by another expert$", N_("Another expert has already accepted it."), _same),
        (
            r"^no eligible candidate left; choose an expert by expert_id$",
            N_("No eligible expert is left; choose an expert by number."),
            _same,
        ),
        (
            r"^you are at your maximum of open consultations; close one or raise the maximum$",
            N_("You have reached your maximum of open consultations; close one or raise the maximum in your profile."),
            _same,
        ),
        (
            r"^this expert already has an open offer on the request$",
            N_("This expert already has an open offer for this request."),
            _same,
        ),
        (
            r"^no longer open \(.*\)$",
            N_("This offer is no longer open: it expired, was accepted, declined or closed."),
            _same,
        ),
        (
            r"^is (?P<status>\w+), not open for acceptance$",
            N_("The consultation can no longer be accepted (its status: %(status)s)."),
            _status,
        ),
        (
            r"^only a request waiting for an expert can be re-offered; this one is (?P<status>\w+)$",
            N_("Only a request waiting for an expert can be offered again; this one's status is: %(status)s."),
            _status,
        ),
        (
            r"^the consultation is already (?P<status>\w+)$",
            N_("The consultation's status is already: %(status)s."),
            _status,
        ),
        (r"^no such expert$", N_("There is no expert with this number."), _same),
        (
            r"^not eligible: .*$",
            N_(
                "This expert cannot take the request now (vetting, availability, capacity, "
                "languages, market ties or a declared conflict)."
            ),
            _same,
        ),
        (
            r"^no expert has accepted the consultation yet \(it is (?P<status>\w+)\)$",
            N_("No expert has accepted the consultation yet (its status: %(status)s)."),
            _status,
        ),
        (
            r"^only an accepted or answered consultation can be closed; this one is (?P<status>\w+)$",
            N_("Only an accepted or answered consultation can be closed; this one's status is: %(status)s."),
            _status,
        ),
        (
            r"^the consultation is (?P<status>\w+); no more (?P<what>\w+)$",
            N_("The consultation's status is %(status)s: no more %(what)s can be added."),
            _what,
        ),
        (r"^the consultation is (?P<status>\w+)$", N_("The consultation's status is: %(status)s."), _status),
        (r"^this offer was made to another expert$", N_("This offer was made to another expert."), _same),
        (
            r"^only the requesting official and the assigned expert (write on the ticket|add files)$",
            N_("Only the requesting official and the assigned expert can do this."),
            _same,
        ),
        # why an expert cannot take a request (routing's hard constraints, shown to admins)
        (r"^vetting is (?P<status>\w+)$", N_("vetting is %(status)s"), _status_lower),
        (r"^vetting has expired$", N_("vetting has expired"), _same),
        (r"^not available$", N_("not available"), _same),
        (r"^away until (?P<date>[\d-]+)$", N_("away until %(date)s"), _same),
        (r"^at capacity \((?P<open>\d+)/(?P<max>\d+) open\)$", N_("at capacity (%(open)s/%(max)s open)"), _same),
        (r"^shares no working language with the request$", N_("shares no working language with the request"), _same),
        (
            r"^declared market ties, excluded by the request$",
            N_("declared market ties, excluded by the request"),
            _same,
        ),
        (r"^declared conflict: (?P<conflict>.+)$", N_("declared conflict: %(conflict)s"), _same),
        (r"^is the requester$", N_("is the requester"), _same),
        # files
        (r"^is empty$", N_("The file is empty."), _same),
        (
            r"^content is not an allowed type \(JPEG, PNG, WebP or PDF\); refused$",
            N_("This type of file is not accepted; attach JPEG, PNG, WebP or PDF files."),
            _same,
        ),
        (
            r"^content is (?P<kind>\w+) but the name says (?P<ext>[\w.]+); disguised files are refused$",
            N_("The file's content is %(kind)s but its name ends in %(ext)s; such files are refused."),
            _same,
        ),
        (r"^is required \(multipart/form-data field 'file'\)$", N_("Choose a file to attach."), _same),
        (r"^is larger than (?P<size>.+)$", N_("The file is larger than %(size)s."), _same),
        # profiles and membership
        (
            r"^the profile was changed elsewhere; reload and try again$",
            N_("The profile was changed elsewhere; reload the page and try again."),
            _same,
        ),
        (r"^is required for an expert profile$", N_("This field is required."), _same),
        (
            r"^an account with this e-mail address already exists$",
            N_("An account with this e-mail address already exists."),
            _same,
        ),
        (
            r"^experts must describe their expertise \(categories at least\)$",
            N_("Experts must describe their expertise: choose at least one field."),
            _same,
        ),
        (r"^must be in the future$", N_("Choose a date in the future."), _same),
        (r"^must be after since$", N_("The end must come after the start."), _same),
        (r"^must be at least (?P<n>\d+) characters$", N_("Use at least %(n)s characters."), _same),
        (r"^must be at most (?P<n>\d+) characters$", N_("Use at most %(n)s characters."), _same),
        (
            r"^is too common; choose a longer passphrase$",
            N_("This password is too common; choose a longer passphrase."),
            _same,
        ),
        (r"^must not contain your e-mail address$", N_("The password must not contain your e-mail address."), _same),
        (r"^is wrong$", N_("This is not right."), _same),
        (
            r"^can only be changed while the application is pending$",
            N_("This can only be changed while the application is pending."),
            _same,
        ),
        (
            r"^cannot (?P<decision>\w+) a member whose status is (?P<status>\w+)$",
            N_("This decision is not possible for a member whose status is: %(status)s."),
            _status,
        ),
        (
            r"^admins cannot decide on their own membership$",
            N_("Administrators cannot decide on their own membership."),
            _same,
        ),
        (
            r"^too many (applications|failed logins) from this address; try again later$",
            N_("Too many attempts from this address; try again later."),
            _same,
        ),
        (r"^imported with status (?P<status>\w+)$", N_("Imported with the status: %(status)s."), _status),
        (r"^unknown time zone$", N_("Choose a time zone from the list."), _same),
        # validators shared by every form (core.schemas, core.reference)
        (
            r"^must not contain control characters( or line breaks)?$",
            N_("This must not contain control characters or line breaks."),
            _same,
        ),
        (
            r"^(unknown ISO 3166-1 alpha-2 country code|unknown country code) '(?P<code>[^']*)'$",
            N_("Unknown country code %(code)s."),
            _same,
        ),
        (
            r"^(unknown ISO 639-1 language code|unknown language code) '(?P<code>[^']*)'$",
            N_("Unknown language code %(code)s."),
            _same,
        ),
        (r"^unknown category '(?P<code>[^']*)'$", N_("Unknown field of expertise %(code)s."), _same),
        (r"^must be one of .*$", N_("Choose one of the offered values."), _same),
        (r"^unknown organisation type .*$", N_("Choose one of the offered values."), _same),
        (r"^a country code is required$", N_("Choose a country."), _same),
        (r"^value is not a valid email address.*$", N_("Enter a valid e-mail address."), _same),
        (r"^An email address must have an @-sign\.?$", N_("Enter a valid e-mail address."), _same),
        # whole-request errors shown on the error page
        (
            r"^(not found|Not Found|consultation: not found|offer: not found|member not found|expert not found)$",
            N_("There is nothing here, or you may not see it."),
            _same,
        ),
        (r"^(not allowed|Forbidden)$", N_("You may not do this."), _same),
        (r"^internal server error$", N_("An internal error occurred."), _same),
        (
            r"^the database is not available at the moment; nothing was lost, please try again in a minute$",
            N_("The database is not available at the moment; nothing was lost. Please try again in a minute."),
            _same,
        ),
        (r"^CSRF token verification failed\.?$", N_("The form has expired. Reload the page and send it again."), _same),
        (r"^Method Not Allowed$", N_("This address does not accept this kind of request."), _same),
        (r"^.*(too large|Request Entity Too Large|exceeds).*$", N_("The upload is too large."), _same),
    )
]

REFUSED = N_("This value was not accepted.")


def server_message(locale: str, message: str) -> str:
    """The reader's-language version of one server reason (or whole detail); a text already
    translated (i18n.Translated) is returned as it is."""
    if isinstance(message, i18n.Translated) or not message:
        return message
    text = message.strip()
    for pattern, msgid, fill in PATTERNS:
        found = pattern.match(text)
        if found:
            return i18n.Translated(i18n.translate(locale, msgid) % fill(locale, found.groupdict()))
    name, sep, reason = text.partition(": ")
    if sep:
        if name.replace("_", "").isalnum() and name == name.lower():
            return server_message(locale, reason)  # `field: reason`: the field is named elsewhere
        return i18n.Translated(f"{name}: {server_message(locale, reason)}")  # e.g. a file's name
    return text if locale == "en" else i18n.translate(locale, REFUSED)


def localize_context(locale: str, ctx: dict) -> None:
    """Translates the server messages a page context carries: `errors` ({field: reason} or
    [{field, reason}]), `error` and `detail`."""
    errors = ctx.get("errors")
    if isinstance(errors, dict):
        ctx["errors"] = {name: server_message(locale, str(reason)) for name, reason in errors.items()}
    elif isinstance(errors, list):
        ctx["errors"] = [
            {**item, "reason": server_message(locale, str(item.get("reason", "")))} if isinstance(item, dict) else item
            for item in errors
        ]
    for key in ("error", "detail"):
        if isinstance(ctx.get(key), str):
            ctx[key] = server_message(locale, ctx[key])
