"""field day: visit ticks, unit crews, patient access (phone, door code, access note)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'visit_ticks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('territory_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('patient_code', sa.String(length=64), nullable=False),
        sa.Column('resource_id', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=True),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id']),
        sa.ForeignKeyConstraint(['territory_id'], ['territories.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('plan_id', 'day', 'patient_code'),
    )
    op.create_index(op.f('ix_visit_ticks_plan_id'), 'visit_ticks', ['plan_id'], unique=False)
    op.create_index(op.f('ix_visit_ticks_territory_id'), 'visit_ticks', ['territory_id'], unique=False)
    op.create_table(
        'unit_crew',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('territory_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['territory_id'], ['territories.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'staff_id'),
    )
    op.create_index(op.f('ix_unit_crew_staff_id'), 'unit_crew', ['staff_id'], unique=False)
    op.create_index(op.f('ix_unit_crew_territory_id'), 'unit_crew', ['territory_id'], unique=False)
    op.create_index(op.f('ix_unit_crew_unit_id'), 'unit_crew', ['unit_id'], unique=False)
    op.create_table(
        'patient_access',
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('door_code', sa.String(length=40), nullable=False),
        sa.Column('access_note', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('patient_id'),
    )


def downgrade() -> None:
    op.drop_table('patient_access')
    op.drop_index(op.f('ix_unit_crew_unit_id'), table_name='unit_crew')
    op.drop_index(op.f('ix_unit_crew_territory_id'), table_name='unit_crew')
    op.drop_index(op.f('ix_unit_crew_staff_id'), table_name='unit_crew')
    op.drop_table('unit_crew')
    op.drop_index(op.f('ix_visit_ticks_territory_id'), table_name='visit_ticks')
    op.drop_index(op.f('ix_visit_ticks_plan_id'), table_name='visit_ticks')
    op.drop_table('visit_ticks')
