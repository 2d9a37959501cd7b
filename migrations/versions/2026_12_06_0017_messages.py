"""item 7 of issue 18: reason codes stored, read in the reader's language

Revision ID: 0017_messages
Revises: 0016_input
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0017_messages'
down_revision = '0016_input'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('eligibility_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggestion_terms', sa.JSON(), nullable=True))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('subject_params')
        batch_op.drop_column('subject_code')
    with op.batch_alter_table('eligibility_decisions', schema=None) as batch_op:
        batch_op.drop_column('suggestion_terms')
