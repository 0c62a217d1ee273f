"""Members' time zone (IANA name; empty = the browser's, then UTC); experts' away_until indexed
(the worker looks for away dates that have passed)

Revision ID: daily
Revises: sessions (re-chained after main's invite -> objects -> sessions)
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'daily'
down_revision = 'sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
    op.create_index(op.f('ix_experts_away_until'), 'experts', ['away_until'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_experts_away_until'), table_name='experts')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
