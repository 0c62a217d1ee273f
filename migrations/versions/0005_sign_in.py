"""Sign-in: refresh tokens (rotation with reuse detection by family) and registration attempts

Revision ID: 0005_sign_in
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import expertnet.db


revision = '0005_sign_in'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refresh_tokens',
    sa.Column('jti', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('issued_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('jti')
    )
    op.create_index(op.f('ix_refresh_tokens_member_id'), 'refresh_tokens', ['member_id'], unique=False)
    op.create_index(op.f('ix_refresh_tokens_family'), 'refresh_tokens', ['family'], unique=False)
    op.create_table('registration_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_registration_attempts_ip_at', 'registration_attempts', ['ip', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_registration_attempts_ip_at', table_name='registration_attempts')
    op.drop_table('registration_attempts')
    op.drop_index(op.f('ix_refresh_tokens_family'), table_name='refresh_tokens')
    op.drop_index(op.f('ix_refresh_tokens_member_id'), table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
