"""The store layer: SQLAlchemy tables, migrations and the unit of work."""
