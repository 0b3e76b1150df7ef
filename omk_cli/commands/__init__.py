"""One module per group of `omk` commands."""
