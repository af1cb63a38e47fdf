"""The command line: one small module per command; each parses arguments, calls the library, maps exit codes."""
