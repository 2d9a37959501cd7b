"""t0 baselines and follow-ups (issue 21)

Revision ID: 0020_impact
Revises: 0019_resident_space
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0020_impact'
down_revision = '0019_resident_space'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "impact_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=5), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("connected_on", sa.Date(), nullable=True),
        sa.Column("home_connection", sa.Boolean(), nullable=False),
        sa.Column("monthly_cost_cents", sa.Integer(), nullable=True),
        sa.Column("devices", sa.Text(), nullable=False),
        sa.Column("autonomy", sa.String(length=20), nullable=True),
        sa.Column("usage_month", sa.String(length=7), nullable=True),
        sa.Column("usage_octets", sa.BigInteger(), nullable=True),
        sa.Column("sessions_count", sa.Integer(), nullable=True),
        sa.Column("bookings_count", sa.Integer(), nullable=True),
        sa.Column("attended_count", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_role", sa.String(length=10), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"],
                                name=op.f("fk_impact_answers_household_id_households")),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"],
                                name=op.f("fk_impact_answers_building_id_buildings")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_impact_answers_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_answers")),
        sa.UniqueConstraint("household_id", "stage",
                            name=op.f("uq_impact_answers_household_id_stage")),
    )
    op.create_index(op.f("ix_impact_answers_household_id"), "impact_answers", ["household_id"])
    op.create_index(op.f("ix_impact_answers_building_id"), "impact_answers", ["building_id"])


def downgrade():
    op.drop_index(op.f("ix_impact_answers_building_id"), table_name="impact_answers")
    op.drop_index(op.f("ix_impact_answers_household_id"), table_name="impact_answers")
    op.drop_table("impact_answers")
