"""Screening: Burmese-aware identity matching and de-duplication.

The engine (`keys`, `dates`, `records`, `engine`, `cluster`, `dedupe`) is
pure Python over plain `PersonRecord`s: no ORM, no vault. The product's
screening panel and `dedupe_cases` decrypt cases into records and call it.
"""
