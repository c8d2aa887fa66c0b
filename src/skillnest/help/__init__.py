"""Anonymous peer help and trust (seed 000)."""
