"""records (issue 16): per-record history, assignment end, retention

Revision ID: 0013_records
Revises: 0012_network_seams
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0013_records'
down_revision = '0012_network_seams'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "record_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_record_changes_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_changes")),
    )
    op.create_index("ix_record_changes_record", "record_changes", ["record_type", "record_id"])
    op.create_index(op.f("ix_record_changes_household_id"), "record_changes", ["household_id"])
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_assignments_ended_by_id_users", "users", ["ended_by_id"],
                                 ["id"])


def downgrade():
    with op.batch_alter_table("assignments") as batch:
        batch.drop_constraint("fk_assignments_ended_by_id_users", type_="foreignkey")
        batch.drop_column("end_reason")
        batch.drop_column("ended_by_id")
    op.drop_index(op.f("ix_record_changes_household_id"), table_name="record_changes")
    op.drop_index("ix_record_changes_record", table_name="record_changes")
    op.drop_table("record_changes")
