"""security pass (issue 19): sessions, throttling, audit, job leases

Server-side login sessions (logout and password changes end them), failed-attempt counters
shared by every process, an actor on every audit entry, and the audit log append-only in the
database itself (triggers; only the retention purge may delete, see isp.audit).

Revision ID: 0015_security
Revises: 0014_evaluation_seams
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0015_security'
down_revision = '0014_evaluation_seams'
branch_labels = None
depends_on = None

# Copies of isp.models_security's statements (migrations never import the app's models).
AUDIT_TRIGGER_POSTGRESQL = (
    """
    CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('isp.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only'
            USING ERRCODE = 'insufficient_privilege', DETAIL = TG_OP || ' refused';
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries",
    """
    CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
    """,
)
AUDIT_TRIGGERS_SQLITE = (
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (DELETE refused)'); END",
)


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_last_seen_at'), ['last_seen_at'],
                              unique=False)

    op.create_table('failed_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempts'))
    )
    with op.batch_alter_table('failed_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_attempts_key'), ['key'], unique=False)

    # Every entry names its actor: older entries without one were written by the system.
    op.execute("UPDATE audit_entries SET actor_email = 'system:unknown' "
               "WHERE actor_email IS NULL")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('actor_email', existing_type=sa.String(length=254),
                              nullable=False)
    # After the batch (which rebuilds the table on SQLite, and its triggers with it).
    statements = (AUDIT_TRIGGER_POSTGRESQL if op.get_bind().dialect.name == 'postgresql'
                  else AUDIT_TRIGGERS_SQLITE)
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('actor_email', existing_type=sa.String(length=254),
                              nullable=True)
    with op.batch_alter_table('failed_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_attempts_key'))
    op.drop_table('failed_attempts')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_last_seen_at'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
