"""Command line: only this package knows about the command line."""
