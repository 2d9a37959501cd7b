"""evidence (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0028_evidence
Revises: 0027_offer
Create Date: 2026-12-06

"""

revision = '0028_evidence'
down_revision = '0027_offer'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
