"""Running models: which to run and which are done, one model in this process, a suite of child processes, fetch."""
