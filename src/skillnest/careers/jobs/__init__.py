"""Careers: jobs."""
