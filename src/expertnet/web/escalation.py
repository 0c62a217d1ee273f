"""The admin's tools on a request that waits for an expert (escalated above all), on its page:
pick an expert by name with live search (the directory search), see why each one is not
eligible (routing's hard constraints), offer with one constraint set aside and a written reason,
correct the request's languages, and write to the requester. Everything goes through the desk's
services (consultations.offers, tickets), which keep the lifecycle rules and write the audit log.
"""

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import offers, tickets
from expertnet.consultations.schemas import LanguagesIn, MessageIn
from expertnet.core.auth import ADMIN, Principal, access
from expertnet.core.errors import AppError
from expertnet.search import AsyncSearch
from expertnet.search import service as search_service
from expertnet.search.schemas import ExpertSearchIn
from expertnet.web import i18n
from expertnet.web.common import field_errors, form_of, is_htmx, many, redirect, render, text_raw
from expertnet.web.consultations import _detail_with_errors, ctx_of

PICKS = 8


@get("/consultations/{consultation_id:int}/escalation/experts", opt=access(ADMIN))
async def pick_experts(
    request: Request,
    db_session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    consultation_id: int,
    q: Annotated[str, Parameter(max_length=300)] = "",
) -> Response:
    """Experts found by name (or any words of the directory search), each with whether the request
    may be offered to them, and why not."""
    ctx = ctx_of(request, principal)
    context: dict[str, Any] = {"c_id": consultation_id, "q": q.strip(), "picks": [], "total": 0}
    if q.strip():
        found = await search_service.search_experts(
            search, principal, ExpertSearchIn(q=q.strip(), limit=PICKS), locale=i18n.locale_of(request)
        )
        ids = [hit.id for hit in found.items]
        verdicts = await offers.picks(db_session, ctx, consultation_id, ids)
        context["picks"] = [{"hit": hit, "pick": verdicts[hit.id]} for hit in found.items]
        context["total"] = found.total
    template = "partials/expert_picks.html" if is_htmx(request) else "consultations/expert_picks.html"
    return render(request, template, context)


@post("/consultations/{consultation_id:int}/languages", opt=access(ADMIN))
async def correct_languages(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    form = {"languages": many(data, "languages"), "languages_form": True}
    try:
        body = LanguagesIn.model_validate({"languages": form["languages"]})
        await offers.set_languages(db_session, ctx_of(request, principal), consultation_id, body.languages)
    except ValidationError as exc:
        return await _detail_with_errors(
            request, db_session, search, principal, consultation_id, field_errors(request, exc), form
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise
        return await _detail_with_errors(
            request, db_session, search, principal, consultation_id, {"languages": exc.detail}, form, exc.status_code
        )
    return redirect(f"/consultations/{consultation_id}#escalation-tools", flash="languages_saved")


@post("/consultations/{consultation_id:int}/secretariat-message", opt=access(ADMIN))
async def message_requester(
    request: Request, db_session: AsyncSession, search: AsyncSearch, principal: Principal, consultation_id: int
) -> Response:
    data = await form_of(request)
    form = {"secretariat_body": text_raw(data, "secretariat_body").strip(), "message_form": True}
    try:
        body = MessageIn(body=form["secretariat_body"])
        await tickets.secretariat_message(db_session, ctx_of(request, principal), consultation_id, body.body)
    except ValidationError as exc:
        errors = {"secretariat_body": reason for reason in field_errors(request, exc).values()}
        return await _detail_with_errors(request, db_session, search, principal, consultation_id, errors, form)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        return await _detail_with_errors(
            request,
            db_session,
            search,
            principal,
            consultation_id,
            {"secretariat_body": exc.detail},
            form,
            exc.status_code,
        )
    return redirect(f"/consultations/{consultation_id}#messages", flash="requester_messaged")


ROUTES = [pick_experts, correct_languages, message_requester]
