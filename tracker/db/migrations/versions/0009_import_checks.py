"""imports: what a file was checked against, and an index that counts held records

``data_import.check_digest`` and ``checked_through`` say what an import's rows
were checked against, so the same file imported again under the same rules
need not be checked row by row a second time. ``ix_data_record_dataset``
(dataset alone) is replaced by (dataset, withdrawn_at): the unique key index
already serves lookups by data set, and the new one counts the records held
without reading them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('data_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_digest', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('checked_through', sa.Date(), nullable=True))
    with op.batch_alter_table('data_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_record_dataset'))
        batch_op.create_index('ix_data_record_dataset_withdrawn', ['dataset', 'withdrawn_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_record', schema=None) as batch_op:
        batch_op.drop_index('ix_data_record_dataset_withdrawn')
        batch_op.create_index(batch_op.f('ix_data_record_dataset'), ['dataset'], unique=False)
    with op.batch_alter_table('data_import', schema=None) as batch_op:
        batch_op.drop_column('checked_through')
        batch_op.drop_column('check_digest')
