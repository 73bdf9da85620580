"""Staged uploads in the database (core/staging.py): any app server can serve a preview or a
confirm, and each upload knows its kind

Revision ID: 5e7a0d2c9b31
Revises: b3e8f6a2c417
Create Date: 2026-12-07 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = '5e7a0d2c9b31'
down_revision = 'b3e8f6a2c417'
branch_labels = None
depends_on = None


def upgrade():
    # Uploads staged before this release sat in instance/imports/ as files; they were an hour's
    # work at most and are not carried over (the organizer uploads again). Delete that folder.
    op.create_table('staged_upload',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staged_upload_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staged_upload'))
    )
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_upload_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staged_upload_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_upload_user_id'))
        batch_op.drop_index(batch_op.f('ix_staged_upload_expires_at'))
    op.drop_table('staged_upload')
