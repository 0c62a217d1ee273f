from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core.auth import ADMIN, APPLICANT, PUBLIC, Principal, access
from expertnet.core.deps import client_ip
from expertnet.members import auth, invitations, recovery, reset, service
from expertnet.members.schemas import (
    AcceptedOut,
    AcceptInvitationIn,
    ApplicationUpdate,
    InvitationOut,
    InvitedOut,
    InviteNewIn,
    ResetIn,
    ResetRequestIn,
    TokenIn,
    ApproveIn,
    LoginIn,
    MemberOut,
    MemberPage,
    PasswordChangeIn,
    ReasonIn,
    RecoveryCodesOut,
    RefreshIn,
    ReauthIn,
    RegisteredOut,
    RegisterIn,
    RevetIn,
    SecondFactorOut,
    TokenOut,
    TotpEnableIn,
    TotpSetupOut,
    VettingDecisionOut,
)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/register", opt=access(PUBLIC), status_code=202)
    async def register(
        self, request: Request, db_session: AsyncSession, settings: Settings, data: RegisterIn
    ) -> RegisteredOut:
        """Apply for membership as an LE official or an expert. The account stays pending until vetted;
        sign in with the address and password to follow the application. The answer is the same
        whether or not the address already has an account."""
        await service.register(db_session, settings, data, ip=client_ip(request))
        return RegisteredOut(detail=service.REGISTERED)

    @post("/login", opt=access(PUBLIC), status_code=200)
    async def login(self, request: Request, db_session: AsyncSession, settings: Settings, data: LoginIn) -> TokenOut:
        tokens, _ = await auth.login(
            db_session, settings, data.email, data.password, data.totp_code, client_ip(request)
        )
        return tokens

    @post("/refresh", opt=access(PUBLIC), status_code=200)
    async def refresh(self, db_session: AsyncSession, settings: Settings, data: RefreshIn) -> TokenOut:
        return await auth.refresh(db_session, settings, data.refresh_token)

    @post("/logout", opt=access(APPLICANT), status_code=204)
    async def logout(self, db_session: AsyncSession, principal: Principal) -> None:
        """Revokes every token of this account."""
        await auth.revoke_tokens(db_session, principal.id)

    @post("/totp/setup", opt=access(APPLICANT), status_code=200)
    async def totp_setup(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, data: ReauthIn
    ) -> TotpSetupOut:
        """Start two-factor set-up (or change the device) after re-entering the password or a current
        code: add the secret to an authenticator app, then confirm a code."""
        return await auth.totp_setup(db_session, settings, principal, data.password, data.code, client_ip(request))

    @post("/totp/disable", opt=access(APPLICANT), status_code=204)
    async def totp_disable(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, data: ReauthIn
    ) -> None:
        """Turn two-factor login off, after re-entering the password or a current code."""
        await auth.totp_disable(db_session, settings, principal, data.password, data.code, client_ip(request))

    @post("/totp/enable", opt=access(APPLICANT), status_code=204)
    async def totp_enable(
        self, db_session: AsyncSession, settings: Settings, principal: Principal, data: TotpEnableIn
    ) -> None:
        """Turn two-factor login on. Every older token of the account stops working."""
        await auth.totp_enable(db_session, settings, principal, data.setup_token, data.code)

    @post("/recovery-codes", opt=access(APPLICANT), status_code=200)
    async def recovery_codes(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, data: ReauthIn
    ) -> RecoveryCodesOut:
        """Ten new one-time recovery codes, shown once (the older ones stop working), after
        re-entering the password or a current code. At sign-in, one goes where the code would."""
        return await recovery.regenerate(db_session, settings, principal, data.password, data.code, client_ip(request))

    @get("/second-factor", opt=access(APPLICANT, read_only=True))
    async def second_factor(self, db_session: AsyncSession, principal: Principal) -> SecondFactorOut:
        """Whether two-factor login is on, and how many recovery codes are left."""
        return await recovery.status(db_session, await service.get_member(db_session, principal.id))

    @post("/password", opt=access(APPLICANT), status_code=204)
    async def change_password(self, db_session: AsyncSession, principal: Principal, data: PasswordChangeIn) -> None:
        await auth.change_password(db_session, principal, data.current_password, data.new_password)

    @post("/password-reset", opt=access(PUBLIC), status_code=202)
    async def request_reset(
        self, request: Request, db_session: AsyncSession, settings: Settings, data: ResetRequestIn
    ) -> AcceptedOut:
        """Ask for a password-reset link by e-mail. The answer is the same whether or not the
        address has an account; at most a few requests per address and per client in a window."""
        await reset.request_reset(db_session, settings, data.email, client_ip(request))
        return AcceptedOut(detail=reset.RESET_REQUESTED)

    @post("/password-reset/confirm", opt=access(PUBLIC), status_code=204)
    async def reset_password(self, request: Request, db_session: AsyncSession, data: ResetIn) -> None:
        """Choose a new password with the link's token (once). Every session and refresh token ends."""
        await reset.reset_password(db_session, data.token, data.new_password, client_ip(request))

    @post("/confirm-email", opt=access(PUBLIC), status_code=200)
    async def confirm_email(self, request: Request, db_session: AsyncSession, data: TokenIn) -> AcceptedOut:
        """Confirm an applicant's e-mail address with the link's token; then the application is reviewed."""
        await reset.confirm_email(db_session, data.token, client_ip(request))
        return AcceptedOut(detail=reset.CONFIRMED)

    @post("/invitation", opt=access(PUBLIC), status_code=200)
    async def invitation(self, db_session: AsyncSession, settings: Settings, data: TokenIn) -> InvitationOut:
        """What an invitation link is for, without using it; an admin also gets the second-factor secret."""
        return await invitations.inspect(db_session, settings, data.token)

    @post("/invitation/accept", opt=access(PUBLIC), status_code=200)
    async def accept_invitation(
        self, request: Request, db_session: AsyncSession, settings: Settings, data: AcceptInvitationIn
    ) -> TokenOut:
        """Take up an invitation (once): set the password (an admin also confirms a second-factor code) and sign in."""
        tokens, _ = await invitations.accept(
            db_session, settings, data.token, data.password, data.setup_token, data.totp_code, client_ip(request)
        )
        return tokens


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["members"]

    @get("/", opt=access(APPLICANT, read_only=True))
    async def me(self, db_session: AsyncSession, principal: Principal) -> MemberOut:
        return await service.read(db_session, principal.id)

    @patch("/", opt=access(APPLICANT))
    async def update(self, db_session: AsyncSession, principal: Principal, data: ApplicationUpdate) -> MemberOut:
        """Complete or correct the application (while pending), or change the interface language."""
        return await service.update_application(db_session, principal, data)

    @post("/confirm-email", opt=access(APPLICANT), status_code=202)
    async def resend_confirmation(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal
    ) -> AcceptedOut:
        """Send the address-confirmation link again (the previous one stops working)."""
        await reset.resend_confirmation(db_session, settings, principal, client_ip(request))
        return AcceptedOut(detail="a new confirmation link is on its way")


class VettingController(Controller):
    path = "/api/v1/admin/members"
    tags = ["admin"]

    @get("/", opt=access(ADMIN))
    async def list_members(
        self,
        db_session: AsyncSession,
        status: Annotated[str | None, Parameter(pattern="^(pending|unconfirmed|approved|rejected|suspended)$")] = None,
        role: Annotated[str | None, Parameter(pattern="^(le_official|expert|admin)$")] = None,
        q: Annotated[str | None, Parameter(max_length=200)] = None,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> MemberPage:
        return await service.list_members(db_session, status=status, role=role, q=q, offset=offset, limit=limit)

    @post("/invite", opt=access(ADMIN), status_code=201)
    async def invite_new(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, data: InviteNewIn
    ) -> MemberOut:
        """Add an LE official (or admin) vetted by you, and e-mail them an invitation link."""
        return await invitations.invite_new(db_session, settings, principal, data, client_ip(request))

    @post("/invite-imported", opt=access(ADMIN), status_code=200)
    async def invite_imported(self, db_session: AsyncSession, settings: Settings, principal: Principal) -> InvitedOut:
        """Invite every imported expert who has no password and no open invitation."""
        count = await invitations.invite_all_imported(db_session, settings, principal.id)
        return InvitedOut(invited=count, detail=f"{count} expert(s) invited")

    @post("/{member_id:int}/invite", opt=access(ADMIN), status_code=200)
    async def invite(
        self, request: Request, db_session: AsyncSession, settings: Settings, principal: Principal, member_id: int
    ) -> MemberOut:
        """Invite a member without a password, or invite again: a new link, and the previous one stops working."""
        return await invitations.invite(db_session, settings, principal.id, member_id, client_ip(request))

    @post("/{member_id:int}/invitation/revoke", opt=access(ADMIN), status_code=200)
    async def revoke_invitation(
        self, request: Request, db_session: AsyncSession, principal: Principal, member_id: int
    ) -> MemberOut:
        return await invitations.revoke(db_session, principal.id, member_id, client_ip(request))

    @get("/{member_id:int}", opt=access(ADMIN, read_only=True))
    async def get_member(self, db_session: AsyncSession, member_id: int) -> MemberOut:
        return await service.read(db_session, member_id)

    @get("/{member_id:int}/decisions", opt=access(ADMIN))
    async def decisions(self, db_session: AsyncSession, member_id: int) -> list[VettingDecisionOut]:
        return await service.decisions(db_session, member_id)

    @post("/{member_id:int}/approve", opt=access(ADMIN), status_code=200)
    async def approve(
        self,
        request: Request,
        db_session: AsyncSession,
        settings: Settings,
        principal: Principal,
        member_id: int,
        data: ApproveIn,
    ) -> MemberOut:
        return await service.approve(db_session, settings, principal, member_id, data, client_ip(request))

    @post("/{member_id:int}/reject", opt=access(ADMIN), status_code=200)
    async def reject(
        self, request: Request, db_session: AsyncSession, principal: Principal, member_id: int, data: ReasonIn
    ) -> MemberOut:
        return await service.reject(db_session, principal, member_id, data.reason, client_ip(request))

    @post("/{member_id:int}/suspend", opt=access(ADMIN), status_code=200)
    async def suspend(
        self, request: Request, db_session: AsyncSession, principal: Principal, member_id: int, data: ReasonIn
    ) -> MemberOut:
        return await service.suspend(db_session, principal, member_id, data.reason, client_ip(request))

    @post("/{member_id:int}/revet", opt=access(ADMIN), status_code=200)
    async def revet(
        self, request: Request, db_session: AsyncSession, principal: Principal, member_id: int, data: RevetIn
    ) -> MemberOut:
        """Set the date by which the member must be re-vetted; past that, the member counts as not approved."""
        return await service.set_revet_date(db_session, principal, member_id, data, client_ip(request))

    @post("/{member_id:int}/totp/reset", opt=access(ADMIN), status_code=200)
    async def reset_second_factor(
        self, request: Request, db_session: AsyncSession, principal: Principal, member_id: int, data: ReasonIn
    ) -> SecondFactorOut:
        """Turn a member's second factor off (lost device, no recovery codes left). The member's
        sessions end and they are told by e-mail; the reset is in the audit log with the reason."""
        return await recovery.reset(db_session, principal, member_id, data.reason, client_ip(request))
