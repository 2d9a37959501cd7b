"""page_indexes (issue 23.3): the lists' count of current households reads a narrow index

At 100,000 households the count under each household list (and the API's ``total``) read the
whole table; a partial index of the current households' ids is a tenth of its size and is read
alone (index-only scan).

Revision ID: 0030_page_indexes
Revises: 0029_resident_gaps
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

revision = '0030_page_indexes'
down_revision = '0029_resident_gaps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_households_current", "households", ["id"],
                    postgresql_where=sa.text("moved_out_on IS NULL"),
                    sqlite_where=sa.text("moved_out_on IS NULL"))


def downgrade():
    op.drop_index("ix_households_current", table_name="households")
