"""``python -m kgservice``."""

from kgservice.cli import main

main()
