"""performance: trigram indexes for the household searches (issue 10 §3)

"Name or flat contains ..." (ILIKE '%...%') read every household and every flat; on
PostgreSQL a GIN trigram index (extension pg_trgm, trusted: the database owner may create it)
finds them directly. SQLite ignores the GIN options and gets plain indexes.

Revision ID: 0009_performance
Revises: 0008_security
Create Date: 2026-11-29

"""
from alembic import op


revision = '0009_performance'
down_revision = '0008_security'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_holder_name_trgm', ['holder_name'], unique=False,
                              postgresql_using='gin',
                              postgresql_ops={'holder_name': 'gin_trgm_ops'})
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_code_trgm', ['code'], unique=False,
                              postgresql_using='gin', postgresql_ops={'code': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index('ix_units_code_trgm')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_holder_name_trgm')
