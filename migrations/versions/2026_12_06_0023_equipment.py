"""lent equipment and its 4R life (issue 22)

Revision ID: 0023_equipment
Revises: 0022_outreach
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0023_equipment'
down_revision = '0022_outreach'
branch_labels = None
depends_on = None


def _fk(table, column, target):
    target_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target],
                                   name=op.f(f"fk_{table}_{column}_{target_table}"))


def upgrade():
    op.create_table(
        "equipment_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("commune", sa.String(length=80), nullable=True),
        sa.Column("siret", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_equipment_partners_code")),
    )
    op.create_table(
        "equipment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("embodied_kgco2e", sa.Float(), nullable=False),
        sa.Column("acquired_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("loan_agreement_ref", sa.String(length=60), nullable=True),
        sa.Column("loan_signed_on", sa.Date(), nullable=True),
        sa.Column("recycled_by_id", sa.Integer(), nullable=True),
        sa.Column("recycled_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("equipment_items", "partner_id", "equipment_partners.id"),
        _fk("equipment_items", "household_id", "households.id"),
        _fk("equipment_items", "recycled_by_id", "equipment_partners.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_items")),
        sa.UniqueConstraint("kind", "serial", name=op.f("uq_equipment_items_kind_serial")),
    )
    op.create_index(op.f("ix_equipment_items_state"), "equipment_items", ["state"])
    op.create_index(op.f("ix_equipment_items_household_id"), "equipment_items",
                    ["household_id"])
    op.create_table(
        "equipment_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("agreement_ref", sa.String(length=60), nullable=True),
        sa.Column("ticket_number", sa.String(length=30), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("equipment_moves", "item_id", "equipment_items.id"),
        _fk("equipment_moves", "actor_id", "users.id"),
        _fk("equipment_moves", "household_id", "households.id"),
        _fk("equipment_moves", "partner_id", "equipment_partners.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_moves")),
    )
    op.create_index(op.f("ix_equipment_moves_item_id"), "equipment_moves", ["item_id"])
    op.create_index(op.f("ix_equipment_moves_household_id"), "equipment_moves",
                    ["household_id"])


    op.create_table(
        "device_lifecycle_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("device_lifecycle_moves", "device_id", "devices.id"),
        _fk("device_lifecycle_moves", "actor_id", "users.id"),
        _fk("device_lifecycle_moves", "partner_id", "equipment_partners.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_lifecycle_moves")),
    )
    op.create_index(op.f("ix_device_lifecycle_moves_device_id"), "device_lifecycle_moves",
                    ["device_id"])


def downgrade():
    op.drop_table("device_lifecycle_moves")
    op.drop_table("equipment_moves")
    op.drop_table("equipment_items")
    op.drop_table("equipment_partners")
