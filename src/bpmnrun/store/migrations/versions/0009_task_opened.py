"""when a worker first opened each task (its page, or by claiming it): the analysts' waiting and working times

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: tasks from before this change were never seen opening, and stay "not known".
    with op.batch_alter_table('task') as batch:
        batch.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('opened_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('task') as batch:
        batch.drop_column('opened_by')
        batch.drop_column('opened_at')
