"""User-facing errors: the CLI prints their message on one line and exits with status 2."""


class UsageError(Exception):
    """Bad input from the user (arguments, data, handles); the message says what to do."""
