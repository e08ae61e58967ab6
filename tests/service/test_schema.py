"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL: a model changed
without its migration (or the other way round) fails here, not in a council's database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bpmnrun.store.database import Database
from bpmnrun.store.models import Base


def test_the_migrated_schema_is_the_models_schema(database_url):
    db = Database(database_url)
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    db.dispose()
    assert differences == []
