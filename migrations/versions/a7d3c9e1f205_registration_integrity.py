"""Registration integrity: registration mode, trusted declared units, unconfirmed units, approval,
units' invitation codes and spent proof-of-work challenges

Revision ID: a7d3c9e1f205
Revises: a7c1e5d93f20
Create Date: 2026-12-07 11:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = 'a7d3c9e1f205'
down_revision = 'a7c1e5d93f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_invitation',
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_unit_invitation_contest_id_contest'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_invitation_unit_id_unit'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contest_id', 'unit_id', name=op.f('pk_unit_invitation')),
    sa.UniqueConstraint('code', name=op.f('uq_unit_invitation_code'))
    )
    op.create_table('spent_challenge',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_spent_challenge'))
    )
    with op.batch_alter_table('spent_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_challenge_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_mode', sa.String(length=12), server_default='open',
                                      nullable=False))
        batch_op.add_column(sa.Column('trust_declared_units', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_check_constraint('registration_mode',
                                         "registration_mode IN ('open', 'invitation', 'approval')")
    # Existing accounts keep counting as they did: only registrations from now on start unconfirmed.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_unconfirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('awaiting_approval', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('awaiting_approval')
        batch_op.drop_column('unit_unconfirmed')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contest_registration_mode'), type_='check')
        batch_op.drop_column('trust_declared_units')
        batch_op.drop_column('registration_mode')
    with op.batch_alter_table('spent_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_challenge_expires_at'))
    op.drop_table('spent_challenge')
    op.drop_table('unit_invitation')
