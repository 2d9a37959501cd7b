"""bad input and imports at scale (issue 19): scheduled-job leases, e-mail claims

Revision ID: 0016_input
Revises: 0015_security
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0016_input'
down_revision = '0015_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduled_job_leases',
        sa.Column('job_id', sa.String(length=100), nullable=False),
        sa.Column('slot_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('job_id', name=op.f('pk_scheduled_job_leases')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_claimed_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('email_claimed_at')
    op.drop_table('scheduled_job_leases')
