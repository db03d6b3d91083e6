"""The database: tables, engine construction and migrations."""
