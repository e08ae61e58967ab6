"""break-glass access to a family's records (reason, time limit) and families marked as test families

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('is_test', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'access_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('reported_to', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('access_grant') as batch:
        batch.create_index('ix_access_grant_case_id', ['case_id'])
        batch.create_index('ix_access_grant_username', ['username'])


def downgrade() -> None:
    op.drop_table('access_grant')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('is_test')
