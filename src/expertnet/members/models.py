from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime, utcnow


class Role(StrEnum):
    le_official = "le_official"
    expert = "expert"
    admin = "admin"


class VettingStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    suspended = "suspended"


class MemberBase(SQLModel):
    """What a member's account shows (MemberOut reads these); secrets and counters are Member's only."""

    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)
    vetting_status: str = Field(default=VettingStatus.pending, max_length=20, index=True)
    vetted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    organisation: str = Field(default="", max_length=300)
    position: str = Field(default="", max_length=200)
    country: str | None = Field(default=None, max_length=2)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    application_statement: str = Field(default="", max_length=4000)
    referee: str = Field(default="", max_length=500)
    application_submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ui_language: str = Field(default="en", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)
    # A self-registered applicant reaches the vetting queue only once the address is confirmed.
    email_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the last invitation sent
    joined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when an invitation was taken up


class Member(MemberBase, table=True):
    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255)
    token_version: int = Field(default=0)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def vetting_current(self) -> bool:
        """Approved, and the approval has not run out: what lets a member see anything."""
        if self.vetting_status != VettingStatus.approved:
            return False
        return self.vetted_until is None or self.vetted_until > utcnow()


class VettingDecisionBase(SQLModel):
    member_id: int = Field(foreign_key="members.id", index=True)
    admin_id: int | None = Field(default=None, foreign_key="members.id")
    decision: str = Field(max_length=20)  # approved | rejected | suspended | revet_date | imported
    reason: str = Field(default="", max_length=2000)
    vetted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VettingDecision(VettingDecisionBase, table=True):
    """Every vetting decision, kept with who, when and why."""

    __tablename__ = "vetting_decisions"

    id: int | None = Field(default=None, primary_key=True)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    ip: str = Field(default="", max_length=64)
    success: bool = Field(default=False)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    """One issued refresh token. A refresh spends it and issues the next of its family; a spent
    token shown again means it was copied, and the whole family (and the account's tokens) ends."""

    __tablename__ = "refresh_tokens"

    jti: str = Field(primary_key=True, max_length=32)
    member_id: int = Field(foreign_key="members.id", index=True)
    family: str = Field(max_length=32, index=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RegistrationAttempt(SQLModel, table=True):
    """Every rate-limited request, by client address and (where there is one) e-mail address:
    applications for membership ("register"), password-reset requests ("reset") and requests for
    another confirmation link ("confirm")."""

    __tablename__ = "registration_attempts"
    __table_args__ = (
        Index("ix_registration_attempts_ip_at", "ip", "at"),
        Index("ix_registration_attempts_action_email_at", "action", "email", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ip: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = Field(default="register", max_length=20)
    email: str = Field(default="", max_length=254)


class TokenPurpose(StrEnum):
    invitation = "invitation"
    reset = "reset"
    confirm = "confirm"


class AccountToken(SQLModel, table=True):
    """A single-use link sent by e-mail: an invitation to set a password, a password reset, an
    address confirmation. Only the SHA-256 of the link's secret is stored (see members/tokens.py)."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_member_purpose", "member_id", "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, foreign_key="members.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    """One-time codes that stand in for the second factor when the authenticator is lost
    (members/recovery.py). Only their SHA-256 is kept: each code is 80 random bits."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_member_hash", "member_id", "code_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
