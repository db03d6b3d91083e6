"""pack record: every compiled pack and review

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:10:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('pack_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('meeting_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('inputs_digest', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pack_record', schema=None) as batch_op:
        batch_op.create_index('ix_pack_record_kind_as_of', ['kind', 'as_of'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pack_record', schema=None) as batch_op:
        batch_op.drop_index('ix_pack_record_kind_as_of')
    op.drop_table('pack_record')
