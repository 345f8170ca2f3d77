"""The case file: cases, collectors and visit outcomes per tenant.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 13:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('tenant', sa.String(length=128), nullable=False),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('address_updated', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id')
    )
    op.create_table('collectors',
    sa.Column('tenant', sa.String(length=128), nullable=False),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id')
    )
    op.create_table('visits',
    sa.Column('tenant', sa.String(length=128), nullable=False),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('customer', sa.String(length=128), nullable=False),
    sa.Column('collector', sa.String(length=128), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('promised_for', sa.Date(), nullable=True),
    sa.Column('notes_code', sa.String(length=50), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id')
    )
    op.create_index('ix_visits_tenant_customer', 'visits', ['tenant', 'customer', 'visited_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_visits_tenant_customer', table_name='visits')
    op.drop_table('visits')
    op.drop_table('collectors')
    op.drop_table('cases')
