"""process owners' drafts of a diagram, saved from the editor in the browser (not deployed)

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('process_id', sa.String(length=200), nullable=False),
        sa.Column('xml', sa.Text(), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('owner', 'process_id'),
    )


def downgrade() -> None:
    op.drop_table('process_draft')
