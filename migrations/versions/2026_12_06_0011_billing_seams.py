"""billing seams (issues 16 and 19): dunning, idempotency, tariffs

Revision ID: 0011_billing_seams
Revises: 0010_household_keys
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op


revision = '0011_billing_seams'
down_revision = '0010_household_keys'
branch_labels = None
depends_on = None


def upgrade():
    # One-time form tokens and API Idempotency-Keys (isp.idempotency, issue 19.2).
    op.create_table(
        'submission_tokens',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_submission_tokens')),
    )
    op.create_index(op.f('ix_submission_tokens_created_at'), 'submission_tokens',
                    ['created_at'], unique=False)
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_digest', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
        sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_keys_user_key'),
    )
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys',
                    ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_submission_tokens_created_at'), table_name='submission_tokens')
    op.drop_table('submission_tokens')
