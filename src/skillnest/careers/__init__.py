"""Careers (seed 003): profile, skills, jobs, applications, documents."""
