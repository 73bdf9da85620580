"""The bank's staged upload keeps its parse and plan (issue 16 point 8): the preview reads them
instead of parsing the file again on every GET

Revision ID: 8b1f4c6d2e90
Revises: 5e7a0d2c9b31
Create Date: 2026-12-07 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1f4c6d2e90'
down_revision = '5e7a0d2c9b31'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: rows staged before this release (an hour's work at most) and the people imports
    # have none; the bank's preview plans such a row as before.
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.drop_column('plan')
