"""usage_store (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0026_usage_store
Revises: 0025_banking
Create Date: 2026-12-06

"""

revision = '0026_usage_store'
down_revision = '0025_banking'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
