"""Integrity settings: a round's minimum plausible time per question, a contest's ban on
immediate scores, and an index for the registration-burst flag

Revision ID: 7f3a9c1e5d20
Revises: 7d3e9a1c5f20
Create Date: 2026-12-07 11:45:00.000000

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = '7f3a9c1e5d20'
down_revision = '7d3e9a1c5f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_seconds_per_question', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint('min_seconds', 'min_seconds_per_question BETWEEN 0 AND 600')
    # Rounds already closed keep the ranking they were closed (and perhaps published and awarded)
    # with: the floor is off for them. Open and future rounds get the new default of 3 seconds.
    round_ = sa.table('round', sa.column('closes_at', core.db.UTCDateTime()),
                      sa.column('min_seconds_per_question', sa.Integer()))
    op.execute(round_.update().where(round_.c.closes_at < datetime.now(timezone.utc))
               .values(min_seconds_per_question=0))
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forbid_immediate_score', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action_ip', ['action', 'ip', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_action_ip')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('forbid_immediate_score')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_round_min_seconds'), type_='check')
        batch_op.drop_column('min_seconds_per_question')
