"""Objects of a consultation (Object ID), their photos, photo pHashes, object vectors and
"seen before" pairs

Revision ID: objects
Revises: 0007_outbox_claims
Create Date: 2026-12-01
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import expertnet.db

revision = 'objects'
down_revision = 'invite'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('consultation_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('object_type', S(length=200), nullable=False),
    sa.Column('materials_techniques', S(length=500), nullable=False),
    sa.Column('measurements', S(length=300), nullable=False),
    sa.Column('inscriptions_markings', sa.Text(), server_default='', nullable=False),
    sa.Column('distinguishing_features', sa.Text(), server_default='', nullable=False),
    sa.Column('title', S(length=300), nullable=False),
    sa.Column('subject', S(length=500), nullable=False),
    sa.Column('date_period', S(length=200), nullable=False),
    sa.Column('maker', S(length=300), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reference', S(length=100), nullable=False),
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_consultation_objects_consultation_position', 'consultation_objects', ['consultation_id', 'position'], unique=False)
    op.create_index('ix_consultation_objects_lot_id', 'consultation_objects', ['lot_id'], unique=False)
    op.create_table('object_photos',
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['object_id'], ['consultation_objects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attachment_id'], ['consultation_attachments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('object_id', 'attachment_id')
    )
    op.create_index('ix_object_photos_attachment_id', 'object_photos', ['attachment_id'], unique=False)
    op.create_table('photo_hashes',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    *[sa.Column(f'b{i}', sa.Integer(), nullable=False) for i in range(7)],
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['consultation_attachments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('attachment_id')
    )
    op.create_index('ix_photo_hashes_consultation_id', 'photo_hashes', ['consultation_id'], unique=False)
    for i in range(7):
        op.create_index(f'ix_photo_hashes_b{i}', 'photo_hashes', [f'b{i}'], unique=False)
    op.create_table('object_vectors',
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('model', S(length=100), nullable=False),
    sa.Column('source_hash', S(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['object_id'], ['consultation_objects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.PrimaryKeyConstraint('object_id')
    )
    op.create_index('ix_object_vectors_consultation_id', 'object_vectors', ['consultation_id'], unique=False)
    op.create_index('ix_object_vectors_created_at', 'object_vectors', ['created_at'], unique=False)
    op.create_table('seen_before',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('earlier_id', sa.Integer(), nullable=False),
    sa.Column('photo_distance', sa.Integer(), nullable=True),
    sa.Column('text_similarity', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', S(length=20), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', expertnet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', S(length=2000), nullable=False),
    sa.Column('created_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', expertnet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], ),
    sa.ForeignKeyConstraint(['earlier_id'], ['consultations.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'earlier_id', name='uq_seen_before_pair')
    )
    op.create_index('ix_seen_before_consultation_id', 'seen_before', ['consultation_id'], unique=False)
    op.create_index('ix_seen_before_earlier_id', 'seen_before', ['earlier_id'], unique=False)
    op.create_index('ix_seen_before_status_created', 'seen_before', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('seen_before')
    op.drop_table('object_vectors')
    op.drop_table('photo_hashes')
    op.drop_table('object_photos')
    op.drop_table('consultation_objects')
