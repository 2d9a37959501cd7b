"""residents' sign-in (issue 20): resident accounts, one-time codes, SMS, notices

Revision ID: 0018_residents
Revises: 0017_messages
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0018_residents'
down_revision = '0017_messages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resident_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('login_kind', sa.String(length=10), nullable=False),
    sa.Column('login', sa.String(length=254), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('notify_sms', sa.Boolean(), nullable=False),
    sa.Column('notify_email', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=30), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_resident_accounts_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_resident_accounts_household_id_households')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_resident_accounts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_accounts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_resident_accounts_user_id'))
    )
    with op.batch_alter_table('resident_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_resident_accounts_login', ['login'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_accounts_household_id'), ['household_id'], unique=False)

    op.create_table('resident_sign_in_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['resident_accounts.id'], name=op.f('fk_resident_sign_in_codes_account_id_resident_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_sign_in_codes'))
    )
    with op.batch_alter_table('resident_sign_in_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_sign_in_codes_account_id'), ['account_id'], unique=False)

    op.create_table('resident_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('source_ref', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['resident_accounts.id'], name=op.f('fk_resident_notices_account_id_resident_accounts')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_resident_notices_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_notices')),
    sa.UniqueConstraint('account_id', 'channel', 'source_ref', name='uq_resident_notices_cause')
    )
    with op.batch_alter_table('resident_notices', schema=None) as batch_op:
        batch_op.create_index('ix_resident_notices_household', ['household_id', 'created_at'], unique=False)
        batch_op.create_index('ix_resident_notices_status', ['status'], unique=False)


def downgrade():
    op.drop_table('resident_notices')
    op.drop_table('resident_sign_in_codes')
    op.drop_table('resident_accounts')
