"""Careers: profile."""
