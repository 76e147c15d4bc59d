"""The schema, as SQLAlchemy Core tables.

Core rather than the ORM: every request runs one to four statements whose
SQL we want to see and count (the generation compare-and-set above all),
and the ORM's identity map and unit of work would only add cost per row.

The migrations in ``migrations/versions`` create exactly this schema; a
test compares the two.
"""

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()


def _timestamps() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False),
    )


resource_providers = sa.Table(
    'resource_providers', metadata,
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
    sa.Index('ix_resource_providers_root_provider_id', 'root_provider_id'),
    sa.Index('ix_resource_providers_parent_provider_id',
             'parent_provider_id'),
    sqlite_autoincrement=True,
)

resource_classes = sa.Table(
    'resource_classes', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('name', sa.String(255), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint('name', name='uniq_resource_classes0name'),
    sqlite_autoincrement=True,
)

CAPACITY_INDEX = 'ix_inventories_capacity'
inventories = sa.Table(
    'inventories', metadata,
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
    # The class, the provider, then every column a capacity check reads:
    # a provider list reads each provider's inventory of a class, or
    # all the inventories of a class, from the index alone, without
    # reading the rows (see storage.provider_filters).
    sa.Index(CAPACITY_INDEX, 'resource_class_id', 'resource_provider_id',
             'total', 'reserved', 'min_unit', 'max_unit', 'step_size',
             'allocation_ratio'),
    sqlite_autoincrement=True,
)

consumers = sa.Table(
    'consumers', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('uuid', sa.String(36), nullable=False),
    sa.Column('project_id', sa.String(255), nullable=False),
    sa.Column('user_id', sa.String(255), nullable=False),
    sa.Column('consumer_type', sa.String(255), nullable=True),
    sa.Column('generation', sa.Integer, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint('uuid', name='uniq_consumers0uuid'),
    sa.Index('ix_consumers_project_id_user_id', 'project_id', 'user_id'),
    sqlite_autoincrement=True,
)

allocations = sa.Table(
    'allocations', metadata,
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
    # What a provider's consumers use of a class is summed from the index
    # alone: a provider's allocations are written over its lifetime, far
    # apart in the table, and reading each row cost a provider list with
    # four consumers per provider three quarters of its time.
    sa.Index('ix_allocations_rp_id_rc_id_used', 'resource_provider_id',
             'resource_class_id', 'used'),
    sa.Index('ix_allocations_resource_class_id', 'resource_class_id'),
    sqlite_autoincrement=True,
)

# NOTE: the links to a provider go with it (ON DELETE CASCADE), so that
# deleting a provider needs no statement per kind of link; the links to
# a trait do not, so that a trait still in use cannot be deleted even by
# a delete that races the check for links.
traits = sa.Table(
    'traits', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('name', sa.String(255), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint('name', name='uniq_traits0name'),
    sqlite_autoincrement=True,
)

resource_provider_traits = sa.Table(
    'resource_provider_traits', metadata,
    sa.Column('resource_provider_id', sa.Integer,
              sa.ForeignKey('resource_providers.id',
                            name='fk_rp_traits_resource_provider_id',
                            ondelete='CASCADE'),
              primary_key=True),
    sa.Column('trait_id', sa.Integer,
              sa.ForeignKey('traits.id', name='fk_rp_traits_trait_id'),
              primary_key=True),
    sa.Index('ix_resource_provider_traits_trait_id', 'trait_id',
             'resource_provider_id'),
)

placement_aggregates = sa.Table(
    'placement_aggregates', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('uuid', sa.String(36), nullable=False),
    sa.UniqueConstraint('uuid', name='uniq_placement_aggregates0uuid'),
    sqlite_autoincrement=True,
)

resource_provider_aggregates = sa.Table(
    'resource_provider_aggregates', metadata,
    sa.Column('resource_provider_id', sa.Integer,
              sa.ForeignKey('resource_providers.id',
                            name='fk_rp_aggregates_resource_provider_id',
                            ondelete='CASCADE'),
              primary_key=True),
    sa.Column('aggregate_id', sa.Integer,
              sa.ForeignKey('placement_aggregates.id',
                            name='fk_rp_aggregates_aggregate_id'),
              primary_key=True),
    sa.Index('ix_resource_provider_aggregates_aggregate_id', 'aggregate_id',
             'resource_provider_id'),
)
