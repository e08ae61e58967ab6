"""each inbox entry's place (task_team.sort_key) with an index, so a page of a long inbox is read in order

Revision ID: 0003
Revises: 0002
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The key as this revision defines it (store.models.inbox_sort_key): frozen here, as a migration must be.
NO_DUE_DATE = datetime(9999, 12, 31, 23, 59, 59)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def upgrade() -> None:
    with op.batch_alter_table('task_team') as batch:
        batch.add_column(sa.Column('sort_key', sa.String(length=80), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT task_team.task_id, task_team.team, task.due_at, task.created_at, task.instance_id, task.position "
        "FROM task_team JOIN task ON task.id = task_team.task_id")).all()
    for task_id, team, due_at, created_at, instance_id, position in rows:
        due_at, created_at = (_as_datetime(v) for v in (due_at, created_at))
        key = f"{_utc(due_at or NO_DUE_DATE)}|{_utc(created_at)}|{instance_id:012d}|{position:012d}"
        connection.execute(sa.text("UPDATE task_team SET sort_key = :key WHERE task_id = :task AND team = :team"),
                           {"key": key, "task": task_id, "team": team})
    op.create_index('ix_task_team_inbox', 'task_team', ['team', 'ready', 'sort_key'])


def _as_datetime(value):
    # SQLite hands timestamps back as text.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def downgrade() -> None:
    op.drop_index('ix_task_team_inbox', table_name='task_team')
    with op.batch_alter_table('task_team') as batch:
        batch.drop_column('sort_key')
