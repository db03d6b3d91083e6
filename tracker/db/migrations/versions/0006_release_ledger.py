"""release ledger

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('publication', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'reference', name='uq_release_channel_reference')
    )
    op.create_table('released_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('dataset', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cell', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['release.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('released_cell', schema=None) as batch_op:
        batch_op.create_index('ix_released_cell_dataset_cell', ['dataset', 'cell'], unique=False)
        batch_op.create_index(batch_op.f('ix_released_cell_release_id'), ['release_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('released_cell', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_released_cell_release_id'))
        batch_op.drop_index('ix_released_cell_dataset_cell')
    op.drop_table('released_cell')
    op.drop_table('release')
