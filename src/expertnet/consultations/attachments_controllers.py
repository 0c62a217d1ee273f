"""HTTP API for attachments: /api/v1/consultations/{id}/attachments."""

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import attachments, service
from expertnet.consultations.controllers import Reason, ctx_of
from expertnet.consultations.schemas import AttachmentOut
from expertnet.core.auth import MEMBER, Principal, access


@dataclass
class UploadForm:
    file: UploadFile


class AttachmentController(Controller):
    path = "/api/v1/consultations/{consultation_id:int}/attachments"
    tags = ["consultations"]

    @post("/", opt=access(MEMBER), status_code=201)
    async def upload(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        principal: Principal,
        consultation_id: int,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> AttachmentOut:
        """Add a photo (JPEG, PNG, WebP) or a PDF, as multipart field `file`. The type is checked by
        content; disguised or oversized files are refused and nothing is stored."""
        return await attachments.upload(db_session, settings, ctx_of(request, principal), consultation_id, data.file)

    @get("/", opt=access(MEMBER))
    async def list_attachments(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> list[AttachmentOut]:
        return await attachments.list_attachments(db_session, ctx_of(request, principal, reason), consultation_id)

    @get("/{attachment_id:int}", opt=access(MEMBER))
    async def view(
        self,
        request: Request,
        db_session: AsyncSession,
        principal: Principal,
        consultation_id: int,
        attachment_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> AttachmentOut:
        """Metadata of one file, with its SHA-256 (audited)."""
        return await attachments.view(db_session, ctx_of(request, principal, reason), consultation_id, attachment_id)

    @get("/{attachment_id:int}/download", opt=access(MEMBER), media_type="application/octet-stream")
    async def download(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        principal: Principal,
        consultation_id: int,
        attachment_id: int,
        reason: Reason = service.DEFAULT_REASON,
    ) -> Response:
        """The file itself, always as a download (`Content-Disposition: attachment`, nosniff)."""
        ctx = ctx_of(request, principal, reason)
        attachment, path = await attachments.download(db_session, settings, ctx, consultation_id, attachment_id)
        return File(
            path=path,
            filename=attachment.original_name,
            media_type=attachment.content_type,
            content_disposition_type="attachment",
            headers={
                "x-content-type-options": "nosniff",
                "x-sha256": attachment.sha256,
                "content-security-policy": "default-src 'none'; sandbox",
            },
        )


ROUTES = [AttachmentController]
