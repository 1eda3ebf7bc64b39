"""User-facing errors: the CLI prints their message on one line and exits with status 2."""


class UsageError(Exception):
    """Bad input from the user (arguments, data, handles); the message says what to do."""


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on Ctrl-C or SIGTERM after saving a checkpoint; the message says where and how to resume.

    The CLI prints the message and exits with status 130, as for any interrupt.
    """


def interrupt_on_sigterm(signum, frame) -> None:
    """Signal handler: SIGTERM (a scheduler, ``kill``) stops the program like Ctrl-C, so cleanup runs."""
    raise KeyboardInterrupt(f"signal {signum}")
