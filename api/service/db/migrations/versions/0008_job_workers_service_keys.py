"""job workers (which Ray worker process runs a job, how many attempts it took, the batch it belongs to) and the service's own keys
(the token signing key, generated once and kept with the data so tokens survive a restart)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('batch', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_jobs_batch', ['batch'])
    op.create_table('service_keys',
                    sa.Column('name', sa.String(length=64), primary_key=True),
                    sa.Column('value', sa.String(length=200), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False))


def downgrade() -> None:
    op.drop_table('service_keys')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_batch')
        batch_op.drop_column('batch')
        batch_op.drop_column('attempts')
        batch_op.drop_column('worker')
