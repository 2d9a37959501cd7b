"""public requests and district contours (issue 21)

Revision ID: 0022_outreach
Revises: 0021_surveys
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0022_outreach'
down_revision = '0021_surveys'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete=None):
    target_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target_table}"))


def upgrade():
    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("requester_kind", sa.String(length=20), nullable=False),
        sa.Column("requester_name", sa.String(length=120), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("commune", sa.String(length=80), nullable=False),
        sa.Column("address_key", sa.String(length=300), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("flats", sa.Integer(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=30), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("supporters", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_cleared_at", sa.DateTime(timezone=True), nullable=True),
        _fk("service_requests", "district_id", "districts.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_service_requests_reference")),
    )
    for column in ("address_key", "district_id", "status", "created_at"):
        op.create_index(op.f(f"ix_service_requests_{column}"), "service_requests", [column])
    op.create_table(
        "service_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("from_value", sa.String(length=120), nullable=True),
        sa.Column("to_value", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("service_request_events", "request_id", "service_requests.id", "CASCADE"),
        _fk("service_request_events", "actor_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_request_events")),
    )
    op.create_index(op.f("ix_service_request_events_request_id"), "service_request_events",
                    ["request_id"])
    op.create_table(
        "district_contours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=254), nullable=True),
        _fk("district_contours", "district_id", "districts.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_contours")),
        sa.UniqueConstraint("district_id", name=op.f("uq_district_contours_district_id")),
    )


def downgrade():
    op.drop_table("district_contours")
    op.drop_index(op.f("ix_service_request_events_request_id"),
                  table_name="service_request_events")
    op.drop_table("service_request_events")
    for column in ("address_key", "district_id", "status", "created_at"):
        op.drop_index(op.f(f"ix_service_requests_{column}"), table_name="service_requests")
    op.drop_table("service_requests")
