"""An expert's own profile and availability, edited in one place (stale edits are refused)."""

from typing import Any

from litestar import Request, Response, get, post
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core import timezones
from expertnet.core.auth import APPLICANT, Principal, access
from expertnet.core.errors import AppError, Forbidden
from expertnet.experts import service as experts
from expertnet.experts.schemas import ExpertProfileUpdate
from expertnet.members import service as members
from expertnet.web import i18n, zones
from expertnet.web.common import (
    app_error_fields,
    checked,
    field_errors,
    form_of,
    lines,
    many,
    redirect,
    render,
    safe_next,
    text,
    text_raw,
)


def _only_experts(principal: Principal) -> None:
    if principal.role != "expert":
        raise Forbidden("only experts have a profile to edit")


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    away = text(data, "away_until")
    return {
        "version": text(data, "version"),
        "organisation": text(data, "organisation"),
        "org_type": text(data, "org_type"),
        "country": text(data, "country"),
        "coverage_countries": many(data, "coverage_countries"),
        "languages": many(data, "languages"),
        "categories": many(data, "categories"),
        "specialties": lines(data, "specialties"),
        "bio": text_raw(data, "bio").strip(),
        "available": checked(data, "available"),
        "away_until": away or None,
        "max_open_consultations": text(data, "max_open_consultations") or "0",
        "market_ties": checked(data, "market_ties"),
        "market_ties_detail": text_raw(data, "market_ties_detail").strip(),
        "conflicts": lines(data, "conflicts"),
    }


@get("/profile", opt=access(APPLICANT))
async def profile_page(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    _only_experts(principal)
    profile = await experts.get_own(db_session, principal)
    form = {**profile.model_dump(), "time_zone": zones.zone_name_of(request)}
    return render(request, "profile/edit.html", {"profile": profile, "form": form, "errors": {}})


@post("/profile", opt=access(APPLICANT))
async def profile_submit(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    _only_experts(principal)
    data = await form_of(request)
    payload = _payload(data)
    locale = i18n.locale_of(request)
    zone = text(data, "time_zone")
    try:
        body = ExpertProfileUpdate.model_validate(payload)
        await experts.update_own(db_session, principal, body)
        if zone:
            await members.set_time_zone(db_session, principal, zone)
    except ValidationError as exc:
        errors = field_errors(request, exc)
    except AppError as exc:
        if exc.status_code != 409:
            errors = app_error_fields(exc)
        else:
            # Someone (another tab, the secretariat's import) saved first: show the saved version.
            profile = await experts.get_own(db_session, principal)
            message = i18n.translate(
                locale,
                "This profile was changed elsewhere after you opened it, so your changes were not saved. "
                "The form now shows the saved version; make your changes again.",
            )
            return render(
                request,
                "profile/edit.html",
                {"profile": profile, "form": profile.model_dump(), "errors": {"form": message}, "stale": True},
                status_code=409,
            )
    else:
        return redirect("/profile", flash="profile_saved")
    await db_session.rollback()
    profile = await experts.get_own(db_session, principal)
    return render(
        request,
        "profile/edit.html",
        {"profile": profile, "form": {**payload, "time_zone": zone}, "errors": errors},
        status_code=400,
    )


# --------------------------------------------------------------------------- time zone


@get("/time-zone", opt=access(APPLICANT))
async def time_zone_page(request: Request, principal: Principal) -> Response:
    return render(request, "profile/time_zone.html", {"form": {"time_zone": zones.zone_name_of(request)}, "errors": {}})


@post("/time-zone", opt=access(APPLICANT))
async def time_zone_submit(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    """The zone chosen on the time-zone page, or (`browser=1`, from app.js) the browser's own,
    which is stored only while the member has chosen none. The `expertnet_tz` cookie is the
    browser's business: app.js keeps it at the browser's zone, the server only reads it."""
    data = await form_of(request)
    zone = text(data, "time_zone")
    from_browser = text(data, "browser") == "1"
    if not timezones.is_time_zone(zone):
        if from_browser:
            return Response(content=b"", status_code=400)
        reason = i18n.translate(i18n.locale_of(request), "Choose a time zone from the list.")
        return render(
            request,
            "profile/time_zone.html",
            {"form": {"time_zone": zone}, "errors": {"time_zone": reason}},
            status_code=400,
        )
    await members.set_time_zone(db_session, principal, zone, only_if_unset=from_browser)
    if from_browser:
        return Response(content=b"", status_code=204)
    return redirect(safe_next(text(data, "next"), "/time-zone"), flash="time_zone_saved", request=request)


ROUTES = [profile_page, profile_submit, time_zone_page, time_zone_submit]
