"""The command line: one module per subcommand, each parsing its options and calling the library (``main`` dispatches)."""
