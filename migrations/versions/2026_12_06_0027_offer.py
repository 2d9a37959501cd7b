"""offer (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0027_offer
Revises: 0026_usage_store
Create Date: 2026-12-06

"""

revision = '0027_offer'
down_revision = '0026_usage_store'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
