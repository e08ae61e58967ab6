"""sign-in throttling shared by every web worker, and the links from an identity provider's people to accounts

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_throttle',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('failures', sa.JSON(), nullable=False),
        sa.Column('lockouts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('last_failure_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('sign_in_throttle') as batch:
        batch.create_index('ix_sign_in_throttle_last_failure_at', ['last_failure_at'])
    op.create_table(
        'identity_link',
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('username', sa.String(length=200), nullable=False),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.Column('last_sign_in_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['username'], ['user_account.username']),
        sa.PrimaryKeyConstraint('issuer', 'subject'),
        sa.UniqueConstraint('username'),
    )


def downgrade() -> None:
    op.drop_table('identity_link')
    op.drop_table('sign_in_throttle')
