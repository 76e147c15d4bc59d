"""A covering index for the capacity checks of provider lists.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_inventories_capacity', 'inventories',
                    ['resource_provider_id', 'resource_class_id', 'total',
                     'reserved', 'min_unit', 'max_unit', 'step_size',
                     'allocation_ratio'])


def downgrade() -> None:
    op.drop_index('ix_inventories_capacity', 'inventories')
