"""The `omk` command-line interface."""
