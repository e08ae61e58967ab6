"""an index of the audit by task and kind of event: a task list's "draft saved" read does not scan the audit

Revision ID: 0011
Revises: 0010
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_event_task_action', 'event', ['task_id', 'action'])


def downgrade() -> None:
    op.drop_index('ix_event_task_action', table_name='event')
