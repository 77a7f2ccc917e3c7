"""Command line: thin front end over the library (each command loads, calls, prints)."""
