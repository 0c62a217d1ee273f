"""Retention: one row per closed consultation past its review date (flagged, or the tombstone of
its erased case material)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import expertnet.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('retention_reviews',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('due_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('flagged_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_by', sa.Integer(), nullable=True),
    sa.Column('erased', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.ForeignKeyConstraint(['erased_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('consultation_id')
    )
    op.create_index('ix_retention_reviews_flagged_at', 'retention_reviews', ['flagged_at'], unique=False)
    op.create_index('ix_retention_reviews_erased_at', 'retention_reviews', ['erased_at'], unique=False)
    # The due query walks ended consultations by status and end date.
    op.create_index('ix_consultations_status_closed_at', 'consultations', ['status', 'closed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_consultations_status_closed_at', table_name='consultations')
    op.drop_index('ix_retention_reviews_erased_at', table_name='retention_reviews')
    op.drop_index('ix_retention_reviews_flagged_at', table_name='retention_reviews')
    op.drop_table('retention_reviews')
