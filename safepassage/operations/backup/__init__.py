"""Backups only headquarters can open: create.py, container.py (the file
format and its checks), snapshot.py (the database), restore.py."""
