"""An expert's own profile and availability, edited in one place (stale edits are refused)."""

from typing import Any

from litestar import Request, Response, get, post
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.auth import APPLICANT, Principal, access
from expertnet.core.errors import AppError, Forbidden
from expertnet.experts import service as experts
from expertnet.experts.schemas import ExpertProfileUpdate
from expertnet.web import i18n
from expertnet.web.common import (
    app_error_fields,
    checked,
    field_errors,
    form_of,
    lines,
    many,
    redirect,
    render,
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
    return render(request, "profile/edit.html", {"profile": profile, "form": profile.model_dump(), "errors": {}})


@post("/profile", opt=access(APPLICANT))
async def profile_submit(request: Request, db_session: AsyncSession, principal: Principal) -> Response:
    _only_experts(principal)
    data = await form_of(request)
    payload = _payload(data)
    locale = i18n.locale_of(request)
    try:
        body = ExpertProfileUpdate.model_validate(payload)
        await experts.update_own(db_session, principal, body)
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
    profile = await experts.get_own(db_session, principal)
    return render(
        request, "profile/edit.html", {"profile": profile, "form": payload, "errors": errors}, status_code=400
    )


ROUTES = [profile_page, profile_submit]
