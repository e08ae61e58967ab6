"""users' API tokens (stored as SHA-256 hashes); how many timers an instance waits on

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('api_token_sha256', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_user_account_api_token_sha256', ['api_token_sha256'])
    with op.batch_alter_table('instance') as batch:
        batch.add_column(sa.Column('timer_count', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('instance') as batch:
        batch.drop_column('timer_count')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint('uq_user_account_api_token_sha256', type_='unique')
        batch.drop_column('api_token_sha256')
