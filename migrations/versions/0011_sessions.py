"""Sessions that follow the work: forms kept after a session ended; second-factor recovery codes

Revision ID: sessions
Revises: objects (re-chained after the merge of main)
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import expertnet.db


revision = 'sessions'
down_revision = 'objects'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('page', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash'),
    )
    op.create_index(op.f('ix_form_drafts_member_id'), 'form_drafts', ['member_id'], unique=False)
    op.create_index(op.f('ix_form_drafts_expires_at'), 'form_drafts', ['expires_at'], unique=False)
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recovery_codes_member_hash', 'recovery_codes', ['member_id', 'code_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_recovery_codes_member_hash', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_index(op.f('ix_form_drafts_expires_at'), table_name='form_drafts')
    op.drop_index(op.f('ix_form_drafts_member_id'), table_name='form_drafts')
    op.drop_table('form_drafts')
