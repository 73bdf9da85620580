"""The contest an account registered itself through (NULL for imported and command-line accounts),
so a contest that admits only invited or approved accounts can tell them apart

Revision ID: b3e8f6a2c417
Revises: 7f3a9c1e5d20
Create Date: 2026-12-07 12:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e8f6a2c417'
down_revision = '7f3a9c1e5d20'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both engines, no rebuild of `user`. No foreign key: SQLite cannot add
    # one to an existing table without that rebuild, and the id is only compared with a round's
    # contest (a deleted contest's id still means "registered elsewhere").
    op.add_column('user', sa.Column('registered_contest_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('registered_contest_id')
