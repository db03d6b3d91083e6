"""withdrawal: records taken out of a data set, with who, when and why

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('data_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('data_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('dataset', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['data_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('data_withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_withdrawal_record_id'), ['record_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_withdrawal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_withdrawal_record_id'))

    op.drop_table('data_withdrawal')
    with op.batch_alter_table('data_record', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
