"""Traits and aggregates, and their links to providers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'traits',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False),
        sa.UniqueConstraint('name', name='uniq_traits0name'),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'resource_provider_traits',
        sa.Column('resource_provider_id', sa.Integer,
                  sa.ForeignKey('resource_providers.id',
                                name='fk_rp_traits_resource_provider_id',
                                ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('trait_id', sa.Integer,
                  sa.ForeignKey('traits.id', name='fk_rp_traits_trait_id'),
                  primary_key=True),
    )
    op.create_index('ix_resource_provider_traits_trait_id',
                    'resource_provider_traits',
                    ['trait_id', 'resource_provider_id'])
    op.create_table(
        'placement_aggregates',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.UniqueConstraint('uuid', name='uniq_placement_aggregates0uuid'),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'resource_provider_aggregates',
        sa.Column('resource_provider_id', sa.Integer,
                  sa.ForeignKey('resource_providers.id',
                                name='fk_rp_aggregates_resource_provider_id',
                                ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('aggregate_id', sa.Integer,
                  sa.ForeignKey('placement_aggregates.id',
                                name='fk_rp_aggregates_aggregate_id'),
                  primary_key=True),
    )
    op.create_index('ix_resource_provider_aggregates_aggregate_id',
                    'resource_provider_aggregates',
                    ['aggregate_id', 'resource_provider_id'])


def downgrade() -> None:
    op.drop_table('resource_provider_aggregates')
    op.drop_table('placement_aggregates')
    op.drop_table('resource_provider_traits')
    op.drop_table('traits')
