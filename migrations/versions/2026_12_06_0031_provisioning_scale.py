"""provisioning_scale (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0031_provisioning_scale
Revises: 0030_billing_scale
Create Date: 2026-12-06

"""

revision = '0031_provisioning_scale'
down_revision = '0030_billing_scale'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
