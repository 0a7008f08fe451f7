"""the planner's whole record per patient, staff member, unit and premises: an `options` JSON column
holding every documented key beyond the columns; staff working days and hours become weekday hours

Revision ID: 0006
Revises: 0005

Existing rows keep everything: staff `work_days` + `work_hours` become `{"mon": "08:30-17:30", ...}` in
`options` (the planner's per-weekday hours), the other tables start with no options (the planner's
defaults, what the service planned with before). Plans and jobs are not touched.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    for table in ('patients', 'staff', 'units', 'premises'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('options', sa.JSON(), nullable=False, server_default='{}'))
    conn = op.get_bind()
    for sid, days, hours in conn.execute(sa.text("select id, work_days, work_hours from staff")).all():
        days = _json(days) or []
        options = {k: hours for k, j in zip(KEYS, JOURS) if j in days and hours}
        conn.execute(sa.text("update staff set options = :o where id = :i")
                     .bindparams(sa.bindparam("o", type_=sa.JSON)),
                     {"o": options, "i": sid})  # typed: PostgreSQL does not cast text to json by itself
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('work_hours')
        batch_op.drop_column('work_days')


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_days', sa.JSON(), nullable=False,
                                      server_default='["lundi", "mardi", "mercredi", "jeudi", "vendredi"]'))
        batch_op.add_column(sa.Column('work_hours', sa.String(length=20), nullable=False,
                                      server_default='08:30-17:30'))
    conn = op.get_bind()
    for sid, options in conn.execute(sa.text("select id, options from staff")).all():
        options = _json(options) or {}
        days = [j for k, j in zip(KEYS, JOURS) if options.get(k)]
        hours = next((options[k] for k in KEYS if options.get(k)), '08:30-17:30')
        conn.execute(sa.text("update staff set work_days = :d, work_hours = :h where id = :i")
                     .bindparams(sa.bindparam("d", type_=sa.JSON)), {"d": days, "h": hours, "i": sid})
    for table in ('premises', 'units', 'staff', 'patients'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('options')
