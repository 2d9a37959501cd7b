"""billing_scale (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0030_billing_scale
Revises: 0029_resident_gaps
Create Date: 2026-12-06

"""

revision = '0030_billing_scale'
down_revision = '0029_resident_gaps'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
