"""rag overrides: a plan administrator's override of an action's rating

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('rag_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rag', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rag_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rag_override_action_id'), ['action_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rag_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rag_override_action_id'))

    op.drop_table('rag_override')
