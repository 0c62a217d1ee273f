"""Members can join: single-use e-mailed links (invitation, password reset, address confirmation),
the member's confirmation/invitation dates, and rate-limit attempts by action and e-mail address

Revision ID: invite
Revises: 0007_outbox_claims
Create Date: 2026-12-01
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import expertnet.db

revision = 'invite'
down_revision = '0007_outbox_claims'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_account_tokens_member_purpose', 'account_tokens', ['member_id', 'purpose'], unique=False)
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('email_confirmed_at', expertnet.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('invited_at', expertnet.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('joined_at', expertnet.db.UTCDateTime(timezone=True), nullable=True))
    # Applicants who registered before confirmation existed are in the queue already: keep them there.
    op.execute("UPDATE members SET email_confirmed_at = created_at WHERE application_submitted_at IS NOT NULL")
    with op.batch_alter_table('registration_attempts') as batch:
        batch.add_column(sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                   server_default='register'))
        batch.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False,
                                   server_default=''))
    op.create_index('ix_registration_attempts_action_email_at', 'registration_attempts',
                    ['action', 'email', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_registration_attempts_action_email_at', table_name='registration_attempts')
    with op.batch_alter_table('registration_attempts') as batch:
        batch.drop_column('email')
        batch.drop_column('action')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('joined_at')
        batch.drop_column('invited_at')
        batch.drop_column('email_confirmed_at')
    op.drop_index('ix_account_tokens_member_purpose', table_name='account_tokens')
    op.drop_table('account_tokens')
