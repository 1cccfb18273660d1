"""Shared fixtures for every app's tests."""
