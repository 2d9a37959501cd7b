"""household keys: the flat's code and a search key on each household (issue 10 §3)

The household lists sort by flat and search "name or flat contains ...". Sorting on the flat
joined every household to its flat and sorted them all (a deep page or a frequent name read
10,000 rows); searching with ILIKE on two tables compared 20,000 strings. Each household now
keeps its flat's code (flats keep their codes, households their flat) and a lower-case,
accent-free search key, so one index gives the order and one LIKE the matches.

Revision ID: 0010_household_keys
Revises: 0009_performance
Create Date: 2026-11-29

"""
import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '0010_household_keys'
down_revision = '0009_performance'
branch_labels = None
depends_on = None


def _search_text(*parts):
    # A copy of subscribers.models.search_text as of this revision (migrations do not follow
    # later changes of the application's code).
    decomposed = unicodedata.normalize('NFKD', ' '.join(part for part in parts if part))
    return ''.join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('search_key', sa.String(length=200), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        'SELECT households.id, households.holder_name, units.code FROM households '
        'JOIN units ON units.id = households.unit_id')).all()
    if rows:
        connection.execute(
            sa.text('UPDATE households SET unit_code = :code, search_key = :key WHERE id = :id'),
            [{'id': id_, 'code': code, 'key': _search_text(name, code)}
             for id_, name, code in rows])
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.alter_column('unit_code', existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column('search_key', existing_type=sa.String(length=200),
                              nullable=False)
        batch_op.drop_index('ix_households_holder_name_trgm')
        batch_op.create_index('ix_households_by_flat', ['unit_code', 'id'], unique=False)
        batch_op.create_index('ix_households_search_key_trgm', ['search_key'], unique=False,
                              postgresql_using='gin',
                              postgresql_ops={'search_key': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_search_key_trgm')
        batch_op.drop_index('ix_households_by_flat')
        batch_op.create_index('ix_households_holder_name_trgm', ['holder_name'], unique=False,
                              postgresql_using='gin',
                              postgresql_ops={'holder_name': 'gin_trgm_ops'})
        batch_op.drop_column('search_key')
        batch_op.drop_column('unit_code')
