"""Keep the texts a question had when an edit replaced them; attempts name the version they drew

Revision ID: a7c1e5d93f20
Revises: 5b8e0c2d7a41
Create Date: 2026-12-07 11:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = 'a7c1e5d93f20'
down_revision = '5b8e0c2d7a41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_version',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('replaced_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_question_version_number')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_version_question_id_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['user.id'], name=op.f('fk_question_version_replaced_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('question_id', 'number', name=op.f('pk_question_version'))
    )
    # Every existing question and drawn question is at version 1: nothing to copy.
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_attempt_question_version'), 'version >= 1')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_question_version'), 'version >= 1')


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_question_version'), type_='check')
        batch_op.drop_column('version')

    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_attempt_question_version'), type_='check')
        batch_op.drop_column('version')

    op.drop_table('question_version')
