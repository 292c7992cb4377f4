"""`python -m app.cli`: the same command line as `lapor-bridge`."""

from app.cli import main

main()
