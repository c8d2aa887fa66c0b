"""Careers: applications."""
