"""Careers: documents."""
