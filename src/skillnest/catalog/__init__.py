"""Agent-skill catalog (seed 004)."""
