"""Allow ``python -m skillnest``."""

from skillnest.cli import main

main()
