"""Accounts: users, sessions, profile, onboarding, preferences, OAuth links."""
