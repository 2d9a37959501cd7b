"""usage_store (issue 23.2): port hours keyed by (port, hour), partitioned by month on
PostgreSQL; port days and the roll-up ledger.

``usage_hours`` loses its surrogate key and its two secondary B-trees (the primary key
(port_id, hour) replaces the unique constraint; a BRIN index on hour serves the roll-up).
On PostgreSQL it becomes a partitioned table (RANGE on hour, one partition per Europe/Paris
month — ``usage_hours_2026_12`` — and a default partition); the rows are copied over. SQLite
gets the same columns in a plain table (docs/usage-store.md).

Revision ID: 0026_usage_store
Revises: 0025_banking
Create Date: 2026-12-06

"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0026_usage_store'
down_revision = '0025_banking'
branch_labels = None
depends_on = None

PARIS = ZoneInfo("Europe/Paris")


def _month_start(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=PARIS).isoformat()


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _partitions(oldest: datetime | None) -> None:
    """One partition per Europe/Paris month from the oldest row's to two months ahead."""
    today = datetime.now(UTC).astimezone(PARIS).date().replace(day=1)
    month = oldest.astimezone(PARIS).date().replace(day=1) if oldest else today
    month = min(month, today)
    last = _next(_next(today))
    while month <= last:
        op.execute(f"CREATE TABLE usage_hours_{month.year}_{month.month:02d} PARTITION OF "
                   f"usage_hours FOR VALUES FROM ('{_month_start(month)}') "
                   f"TO ('{_month_start(_next(month))}')")
        month = _next(month)


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('usage_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_hours_port_id'))
        batch_op.drop_index(batch_op.f('ix_usage_hours_hour'))
    op.rename_table('usage_hours', 'usage_hours_old')
    if postgres:  # constraint indexes are named per schema: free the names
        op.execute("ALTER TABLE usage_hours_old DROP CONSTRAINT uq_usage_hours_port_id_hour")
        op.execute("ALTER TABLE usage_hours_old DROP CONSTRAINT pk_usage_hours")
        op.execute("ALTER TABLE usage_hours_old DROP CONSTRAINT fk_usage_hours_port_id_ports")
    op.create_table('usage_hours',
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('octets_in', sa.BigInteger(), nullable=False),
    sa.Column('octets_out', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_usage_hours_port_id_ports')),
    sa.PrimaryKeyConstraint('port_id', 'hour', name=op.f('pk_usage_hours')),
    postgresql_partition_by='RANGE (hour)'
    )
    with op.batch_alter_table('usage_hours', schema=None) as batch_op:
        batch_op.create_index('ix_usage_hours_hour', ['hour'], unique=False,
                              postgresql_using='brin', postgresql_with={'autosummarize': 'on'})
    if postgres:
        op.execute("CREATE TABLE usage_hours_default PARTITION OF usage_hours DEFAULT")
        oldest = op.get_bind().execute(sa.text("SELECT min(hour) FROM usage_hours_old")).scalar()
        _partitions(oldest)
    op.execute("INSERT INTO usage_hours (port_id, hour, octets_in, octets_out) "
               "SELECT port_id, hour, octets_in, octets_out FROM usage_hours_old")
    op.drop_table('usage_hours_old')

    op.create_table('port_usage_days',
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('octets_in', sa.BigInteger(), nullable=False),
    sa.Column('octets_out', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'],
                            name=op.f('fk_port_usage_days_port_id_ports')),
    sa.PrimaryKeyConstraint('port_id', 'day', name=op.f('pk_port_usage_days'))
    )
    op.create_table('usage_rollups',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('rolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('port_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_usage_rollups'))
    )


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.drop_table('usage_rollups')
    op.drop_table('port_usage_days')
    op.drop_index('ix_usage_hours_hour', table_name='usage_hours')
    op.rename_table('usage_hours', 'usage_hours_new')
    if postgres:
        op.execute("ALTER TABLE usage_hours_new DROP CONSTRAINT pk_usage_hours")
    op.create_table('usage_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('port_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('octets_in', sa.BigInteger(), nullable=False),
    sa.Column('octets_out', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_usage_hours_port_id_ports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_hours')),
    sa.UniqueConstraint('port_id', 'hour', name=op.f('uq_usage_hours_port_id_hour'))
    )
    with op.batch_alter_table('usage_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_hours_hour'), ['hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_hours_port_id'), ['port_id'], unique=False)
    op.execute("INSERT INTO usage_hours (port_id, hour, octets_in, octets_out) "
               "SELECT port_id, hour, octets_in, octets_out FROM usage_hours_new")
    op.drop_table('usage_hours_new')
