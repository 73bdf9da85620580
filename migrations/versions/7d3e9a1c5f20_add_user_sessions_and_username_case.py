"""Add server-side sessions (user_session) and make usernames unique without regard to case

Revision ID: 7d3e9a1c5f20
Revises: a7d3c9e1f205
Create Date: 2026-12-07 12:00:00.000000

Before the case-insensitive index is created, existing usernames that differ only in case are
looked for; if there are any, the upgrade stops and lists them (an organizer renames one of each
group, e.g. on /people, then runs `init-db` again): an index creation failing half-way, or a
silent rename, would both be worse.
"""
import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = '7d3e9a1c5f20'
down_revision = 'a7d3c9e1f205'
branch_labels = None
depends_on = None


class UsernameClash(RuntimeError):
    pass


def _clashes(conn) -> list[list[str]]:
    rows = conn.execute(sa.text(
        'SELECT lower(username) AS folded, username FROM "user" '
        'WHERE lower(username) IN (SELECT lower(username) FROM "user" GROUP BY lower(username) HAVING count(*) > 1) '
        'ORDER BY folded, username'
    )).all()
    groups: dict[str, list[str]] = {}
    for folded, username in rows:
        groups.setdefault(folded, []).append(username)
    return list(groups.values())


def upgrade():
    clashes = _clashes(op.get_bind())
    if clashes:
        listed = "; ".join(", ".join(group) for group in clashes)
        raise UsernameClash(
            f"Usernames must now be unique without regard to case, but {len(clashes)} group(s) differ only "
            f"in case: {listed}. Rename all but one of each group, then upgrade again."
        )
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_user_session_secret_hash')),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)
    op.create_index('uq_user_username_lower', 'user', [sa.text('lower(username)')], unique=True)


def downgrade():
    op.drop_index('uq_user_username_lower', table_name='user')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_session_expires_at'))
    op.drop_table('user_session')
