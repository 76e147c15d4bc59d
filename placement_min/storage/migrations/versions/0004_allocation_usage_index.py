"""The allocations' index by provider and class also holds the amount.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOTE: the new index first: on MariaDB the old one is the index of
    # the foreign key on resource_provider_id, which can only be dropped
    # once another index leads with that column.
    op.create_index('ix_allocations_rp_id_rc_id_used', 'allocations',
                    ['resource_provider_id', 'resource_class_id', 'used'])
    op.drop_index('ix_allocations_rp_id_rc_id', 'allocations')


def downgrade() -> None:
    op.create_index('ix_allocations_rp_id_rc_id', 'allocations',
                    ['resource_provider_id', 'resource_class_id'])
    op.drop_index('ix_allocations_rp_id_rc_id_used', 'allocations')
