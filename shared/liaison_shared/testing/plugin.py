"""Pytest fixtures for real infrastructure (placeholder while being written)."""
