"""working-time profiles of staff and unit crews (existing rows: salaried, the legal limits)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('staff', 'units'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('work_profile', sa.String(length=16), nullable=False,
                                          server_default='salaried'))


def downgrade() -> None:
    for table in ('units', 'staff'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('work_profile')
