"""The command line: one module per subcommand, parsing its options and calling the library; ``main`` dispatches."""
