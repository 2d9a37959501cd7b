"""resident_gaps (issue 2x) — reserved; filled by the part that needs it

Revision ID: 0029_resident_gaps
Revises: 0028_evidence
Create Date: 2026-12-06

"""

revision = '0029_resident_gaps'
down_revision = '0028_evidence'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
