from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from expertnet.core.schemas import Categories, Countries, Country, Input, Languages, OrgType, Output, Texts
from expertnet.members.models import MemberBase, VettingDecisionBase

Name = Annotated[str, StringConstraints(min_length=2, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=False)]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=2000)]


class ExpertApplication(Input):
    """Profile fields an expert gives when applying; editable later in the profile."""

    org_type: OrgType = "independent"
    coverage_countries: Countries = []
    categories: Categories = Field(min_length=1)
    specialties: Texts = Field(default_factory=list, max_length=30)
    bio: str = Field(default="", max_length=8000)
    market_ties: bool = False
    market_ties_detail: str = Field(default="", max_length=2000)


class RegisterIn(Input):
    email: EmailStr
    password: Password
    full_name: Name
    role: Literal["le_official", "expert"]
    organisation: str = Field(min_length=2, max_length=300)
    position: str = Field(default="", max_length=200)
    country: Country
    languages: Languages = Field(min_length=1)
    application_statement: str = Field(default="", max_length=4000)
    referee: str = Field(default="", max_length=500)
    expert: ExpertApplication | None = None


class ApplicationUpdate(Input):
    version: int
    full_name: Name | None = None
    organisation: str | None = Field(default=None, min_length=2, max_length=300)
    position: str | None = Field(default=None, max_length=200)
    country: Country | None = None
    languages: Languages | None = Field(default=None, min_length=1)
    application_statement: str | None = Field(default=None, max_length=4000)
    referee: str | None = Field(default=None, max_length=500)
    ui_language: Literal["en", "ru"] | None = None


class LoginIn(Input):
    email: EmailStr
    password: Password
    # The authenticator's current code, or one of the recovery codes (XXXX-XXXX-XXXX-XXXX).
    totp_code: str | None = Field(default=None, max_length=32)


class RefreshIn(Input):
    refresh_token: str = Field(max_length=4000)


class PasswordChangeIn(Input):
    current_password: Password
    new_password: Password


class TokenOut(Output):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class MemberOut(MemberBase):
    id: int
    vetting_current: bool
    expert_id: int | None = None
    has_password: bool = False  # can sign in (an imported or invited member has none until they join)
    invitation_expires_at: datetime | None = None  # an invitation is open until then


class InviteNewIn(Input):
    """An admin invites someone who has no account yet: an LE official or another admin. (Experts
    come in with their profile, by `expertnet experts import`, and are invited from there.)"""

    email: EmailStr
    full_name: Name
    role: Literal["le_official", "admin"] = "le_official"
    organisation: str = Field(min_length=2, max_length=300)
    position: str = Field(default="", max_length=200)
    country: Country
    languages: Languages = Field(min_length=1)
    ui_language: Literal["en", "ru"] = "en"


class InvitedOut(Output):
    invited: int
    detail: str


class TokenIn(Input):
    token: str = Field(min_length=1, max_length=200)


class TotpSetupOut(Output):
    secret: str
    provisioning_uri: str
    setup_token: str


class InvitationOut(Output):
    """What the invitation link shows before it is taken up; an admin also gets the second-factor
    secret to add to an authenticator app (confirmed by a code when accepting)."""

    email: str
    full_name: str
    role: str
    expires_at: datetime
    totp_required: bool
    totp: TotpSetupOut | None = None


class AcceptInvitationIn(Input):
    token: str = Field(min_length=1, max_length=200)
    password: Password
    setup_token: str | None = Field(default=None, max_length=4000)
    totp_code: str | None = Field(default=None, max_length=10)


class ResetRequestIn(Input):
    email: EmailStr


class ResetIn(Input):
    token: str = Field(min_length=1, max_length=200)
    new_password: Password


class AcceptedOut(Output):
    detail: str


class ApproveIn(Input):
    vetted_until: datetime | None = None
    reason: str = Field(default="", max_length=2000)


class ReasonIn(Input):
    reason: Reason


class RevetIn(Input):
    vetted_until: datetime
    reason: str = Field(default="", max_length=2000)


class VettingDecisionOut(VettingDecisionBase):
    id: int


class MemberPage(Output):
    items: list[MemberOut]
    total: int
    offset: int
    limit: int


class ReauthIn(Input):
    """Changing the second factor needs the password, or a current code when the factor is on."""

    password: Password | None = None
    code: str | None = Field(default=None, max_length=10)


class RegisteredOut(Output):
    """The same answer whether or not the address already had an account."""

    detail: str


class TotpEnableIn(Input):
    setup_token: str = Field(max_length=4000)
    code: str = Field(min_length=6, max_length=10)


class RecoveryCodesOut(Output):
    """Shown once: only their hashes are kept. Each code signs in once instead of the authenticator."""

    codes: list[str]


class SecondFactorOut(Output):
    member_id: int
    totp_enabled: bool
    recovery_codes_left: int
