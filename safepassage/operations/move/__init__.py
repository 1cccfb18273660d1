"""Moving a whole instance from its SQLite file (plain or SQLCipher) to an
empty PostgreSQL database: schema.py (which tables, in which order, and
one canonical form of every stored value, so that both sides hash the
same), run.py (the move, all or nothing)."""
