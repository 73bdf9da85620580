"""Add the start request's idempotency key to attempts

Revision ID: 5b8e0c2d7a41
Revises: 021226ca92ec
Create Date: 2026-12-02 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e0c2d7a41'
down_revision = '021226ca92ec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_attempt_round_id_user_id_start_key'),
                                          ['round_id', 'user_id', 'start_key'])


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_attempt_round_id_user_id_start_key'), type_='unique')
        batch_op.drop_column('start_key')
