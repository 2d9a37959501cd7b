"""polling_scale (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0032_polling_scale
Revises: 0031_provisioning_scale
Create Date: 2026-12-06

"""

revision = '0032_polling_scale'
down_revision = '0031_provisioning_scale'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
