"""Careers: notifications."""
