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
    # NOTE: it leads with the class, as the index it replaces did: on
    # MariaDB that one serves the foreign key on resource_class_id, and
    # can only be dropped once another index leads with the column.
    op.create_index('ix_inventories_capacity', 'inventories',
                    ['resource_class_id', 'resource_provider_id', 'total',
                     'reserved', 'min_unit', 'max_unit', 'step_size',
                     'allocation_ratio'])
    op.drop_index('ix_inventories_resource_class_id', 'inventories')


def downgrade() -> None:
    op.create_index('ix_inventories_resource_class_id', 'inventories',
                    ['resource_class_id'])
    op.drop_index('ix_inventories_capacity', 'inventories')
