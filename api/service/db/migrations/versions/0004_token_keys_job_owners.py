"""token keys (a token names its account by a never-reused key) and job owners (which service process runs a
job, and when it last said so)

Existing accounts get a fresh key, so tokens issued before this revision stop working (log in again).

Revision ID: 0004
Revises: 0003
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_key', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('token_key', sa.String))
    for (uid,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == uid).values(token_key=secrets.token_hex(16)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('token_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_users_token_key', ['token_key'])
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('owner')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_token_key', type_='unique')
        batch_op.drop_column('token_key')
