"""Initial schema: providers, classes, inventories, consumers, allocations.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def _timestamps() -> tuple[sa.Column[Any], ...]:
    return (sa.Column('created_at', sa.DateTime, nullable=False),
            sa.Column('updated_at', sa.DateTime, nullable=False))


def upgrade() -> None:
    op.create_table(
        'resource_providers',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('generation', sa.Integer, nullable=False),
        sa.Column('root_provider_id', sa.Integer,
                  sa.ForeignKey('resource_providers.id',
                                name='fk_rp_root_provider_id'),
                  nullable=True),
        sa.Column('parent_provider_id', sa.Integer,
                  sa.ForeignKey('resource_providers.id',
                                name='fk_rp_parent_provider_id'),
                  nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_resource_providers0uuid'),
        sa.UniqueConstraint('name', name='uniq_resource_providers0name'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_resource_providers_root_provider_id',
                    'resource_providers', ['root_provider_id'])
    op.create_index('ix_resource_providers_parent_provider_id',
                    'resource_providers', ['parent_provider_id'])
    op.create_table(
        'resource_classes',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('name', name='uniq_resource_classes0name'),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'inventories',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('resource_provider_id', sa.Integer,
                  sa.ForeignKey('resource_providers.id',
                                name='fk_inventories_resource_provider_id'),
                  nullable=False),
        sa.Column('resource_class_id', sa.Integer,
                  sa.ForeignKey('resource_classes.id',
                                name='fk_inventories_resource_class_id'),
                  nullable=False),
        sa.Column('total', sa.Integer, nullable=False),
        sa.Column('reserved', sa.Integer, nullable=False),
        sa.Column('min_unit', sa.Integer, nullable=False),
        sa.Column('max_unit', sa.Integer, nullable=False),
        sa.Column('step_size', sa.Integer, nullable=False),
        sa.Column('allocation_ratio', sa.Double, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('resource_provider_id', 'resource_class_id',
                            name='uniq_inventories0rp_id0rc_id'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_inventories_resource_class_id', 'inventories',
                    ['resource_class_id'])
    op.create_table(
        'consumers',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('consumer_type', sa.String(255), nullable=True),
        sa.Column('generation', sa.Integer, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_consumers0uuid'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_consumers_project_id_user_id', 'consumers',
                    ['project_id', 'user_id'])
    op.create_table(
        'allocations',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('resource_provider_id', sa.Integer,
                  sa.ForeignKey('resource_providers.id',
                                name='fk_allocations_resource_provider_id'),
                  nullable=False),
        sa.Column('consumer_id', sa.Integer,
                  sa.ForeignKey('consumers.id',
                                name='fk_allocations_consumer_id'),
                  nullable=False),
        sa.Column('resource_class_id', sa.Integer,
                  sa.ForeignKey('resource_classes.id',
                                name='fk_allocations_resource_class_id'),
                  nullable=False),
        sa.Column('used', sa.Integer, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('consumer_id', 'resource_provider_id',
                            'resource_class_id',
                            name='uniq_allocations0consumer0rp0rc'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_allocations_rp_id_rc_id', 'allocations',
                    ['resource_provider_id', 'resource_class_id'])
    op.create_index('ix_allocations_resource_class_id', 'allocations',
                    ['resource_class_id'])


def downgrade() -> None:
    op.drop_table('allocations')
    op.drop_table('consumers')
    op.drop_table('inventories')
    op.drop_table('resource_classes')
    op.drop_table('resource_providers')
