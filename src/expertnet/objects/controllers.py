"""HTTP API of the objects package: a consultation's objects, CSV intake, linked cases, and the
secretariat's "seen before" pairs. Each handler makes one service call and returns its schema."""

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import service as desk
from expertnet.consultations.controllers import Reason, ctx_of
from expertnet.core.auth import ADMIN, MEMBER, OFFICIAL, Principal, access
from expertnet.core.errors import field_error
from expertnet.objects import links, service
from expertnet.objects.models import FlagStatus
from expertnet.objects.schemas import (
    DecisionIn,
    ImportOut,
    LinkedCaseOut,
    ObjectIn,
    ObjectOut,
    ObjectUpdate,
    SeenBeforeOut,
)

CSV_MAX_BYTES = 4 * 1024 * 1024
FLAG_STATUS_PATTERN = "^(" + "|".join(s.value for s in FlagStatus) + ")$"


@dataclass
class CsvForm:
    file: UploadFile


async def read_csv(upload: UploadFile | None) -> bytes:
    if upload is None:
        raise field_error("file", "is required (multipart/form-data field 'file')")
    data = await upload.read(CSV_MAX_BYTES + 1)
    if len(data) > CSV_MAX_BYTES:
        raise field_error("file", f"is larger than {CSV_MAX_BYTES // (1024 * 1024)} MB")
    return data


class ObjectController(Controller):
    path = "/api/v1/consultations/{consultation_id:int}"
    tags = ["objects"]

    @get("/objects", opt=access(MEMBER))
    async def list_objects(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = desk.DEFAULT_REASON,
    ) -> list[ObjectOut]:
        """The objects of a consultation: the requesting official, the assigned expert and admins."""
        return await service.list_objects(db_session, ctx_of(request, principal, reason), consultation_id)

    @post("/objects", opt=access(OFFICIAL), status_code=201)
    async def add_object(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, data: ObjectIn
    ) -> ObjectOut:
        """Add an object (Object ID fields, all optional but one; `photo_attachment_ids` link photos)."""
        return await service.add_object(db_session, ctx_of(request, principal), consultation_id, data)

    @patch("/objects/{object_id:int}", opt=access(OFFICIAL))
    async def update_object(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        object_id: int,
        data: ObjectUpdate,
    ) -> ObjectOut:
        """Edit an object; send the `version` you read (a stale edit gets 409)."""
        return await service.update_object(db_session, ctx_of(request, principal), consultation_id, object_id, data)

    @delete("/objects/{object_id:int}", opt=access(OFFICIAL), status_code=204)
    async def remove_object(
        self, request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int, object_id: int
    ) -> None:
        await service.remove_object(db_session, ctx_of(request, principal), consultation_id, object_id)

    @post("/objects/import", opt=access(OFFICIAL), status_code=201)
    async def import_objects(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        data: Annotated[CsvForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportOut:
        """Objects from a CSV file (multipart field `file`; columns in the README). A single bad
        cell refuses the file: every error names its row and column, and nothing is written."""
        content = await read_csv(data.file)
        return await service.import_csv(db_session, ctx_of(request, principal), consultation_id, content)

    @get("/linked", opt=access(MEMBER))
    async def linked(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = desk.DEFAULT_REASON,
    ) -> list[LinkedCaseOut]:
        """Requests of other officials the secretariat linked to this one (summary and contact)."""
        return await links.linked_cases(db_session, ctx_of(request, principal, reason), consultation_id)

    @get("/seen-before", opt=access(ADMIN))
    async def seen_before(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        status: Annotated[str | None, Parameter(pattern=FLAG_STATUS_PATTERN)] = None,
        reason: Reason = desk.DEFAULT_REASON,
    ) -> list[SeenBeforeOut]:
        """Admins: the pairs of this request and another one the desk found alike."""
        return await links.flags(
            db_session, ctx_of(request, principal, reason), status=status, consultation_id=consultation_id
        )


class SeenBeforeController(Controller):
    path = "/api/v1/admin/seen-before"
    tags = ["admin"]

    @get("/", opt=access(ADMIN))
    async def list_flags(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        status: Annotated[str | None, Parameter(pattern=FLAG_STATUS_PATTERN)] = FlagStatus.open.value,
        reason: Reason = desk.DEFAULT_REASON,
    ) -> list[SeenBeforeOut]:
        """Pairs of requests whose photos or object descriptions closely match (open ones by default)."""
        return await links.flags(db_session, ctx_of(request, principal, reason), status=status)

    @post("/{flag_id:int}/link", opt=access(ADMIN), status_code=200)
    async def link(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        flag_id: int,
        data: Annotated[DecisionIn | None, Body()] = None,
    ) -> SeenBeforeOut:
        """Link the two requests: each official may then see the other's request summary."""
        return await links.decide(
            db_session, ctx_of(request, principal), flag_id, FlagStatus.linked, data.reason if data else ""
        )

    @post("/{flag_id:int}/dismiss", opt=access(ADMIN), status_code=200)
    async def dismiss(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        flag_id: int,
        data: Annotated[DecisionIn | None, Body()] = None,
    ) -> SeenBeforeOut:
        return await links.decide(
            db_session, ctx_of(request, principal), flag_id, FlagStatus.dismissed, data.reason if data else ""
        )


ROUTES = [ObjectController, SeenBeforeController]
