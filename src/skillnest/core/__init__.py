"""Core: database, cache, realtime, rate limits, security, errors, dependencies."""
