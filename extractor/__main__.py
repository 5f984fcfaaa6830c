"""`python -m extractor` is the `claims` command."""

from extractor.cli import main

main()
