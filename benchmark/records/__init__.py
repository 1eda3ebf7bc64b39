"""What a run leaves behind: run files, failure records, their metrics and statistics, and their labels."""
