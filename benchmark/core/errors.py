"""User-facing errors (the CLI prints their message on one line and exits with status 2), and any error in one line."""

import re


class UsageError(Exception):
    """Bad input from the user (arguments, data, handles); the message says what to do."""


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on Ctrl-C or SIGTERM after saving a checkpoint; the message says where and how to resume.

    The CLI prints the message and exits with status 130, as for any interrupt.
    """


def interrupt_on_sigterm(signum, frame) -> None:
    """Signal handler: SIGTERM (a scheduler, ``kill``) stops the program like Ctrl-C, so cleanup runs."""
    raise KeyboardInterrupt(f"signal {signum}")


# First lines of wrapper messages that only say where an error passed, not what it was: Keras's layer-call wrapper,
# TensorFlow's graph-execution report, autograph's "in user code:".
WRAPPER_LINES = re.compile(r"^(Exception encountered when calling layer|Graph execution error|in user code:)")
# A line of a wrapper message that quotes the error inside it: "    TypeError: Input 'y' of 'Mul' Op has type ..."
QUOTED_ERROR = re.compile(r"^\s*((?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*(?:Error|Exception)): (.+)$")
# Where a Keras wrapper's own message ends, and what TensorFlow adds around an op's message.
KERAS_CALL_ARGUMENTS = "Call arguments received by layer"
TF_NOISE = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s*\[\[\{\{node [^}]*\}\}\]\]|\s*\[Op:[^\]]*\].*$")


def _inner_message(error: BaseException, lines: list[str]) -> str | None:
    """What a wrapper message says inside: the innermost error it quotes ("Name: text" lines that are not wrappers
    themselves), else its last plain line (after Keras's wrapper line, before its call arguments; after
    TensorFlow's stack of where the op was defined), with ``error``'s type."""
    quoted = [f"{match.group(1).rsplit('.', 1)[-1]}: {match.group(2).strip()}" for line in lines
              if (match := QUOTED_ERROR.match(line)) and not WRAPPER_LINES.match(match.group(2).strip())]
    if quoted:
        return quoted[-1]
    body = lines[1:]
    body = body[:next((i for i, line in enumerate(body) if line.startswith(KERAS_CALL_ARGUMENTS)), len(body))]
    plain = [line.strip() for line in body if line.strip() and not line[:1].isspace()
             and not line.startswith("Detected at node") and not WRAPPER_LINES.match(line)]
    return f"{type(error).__name__}: {plain[-1]}" if plain else None


def root_cause(error: BaseException, limit: int = 300) -> str:
    """One line naming what went wrong: ``Type: message`` of ``error``, or, where its message is only a wrapper
    (Keras's "Exception encountered when calling layer ...", TensorFlow's "Graph execution error:"), the innermost
    error it quotes or was raised from (``__cause__``, then ``__context__``). At most ``limit`` characters."""
    seen: set[int] = set()
    current: BaseException | None = error
    fallback = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines = str(current).splitlines()
        first = next((line.strip() for line in lines if line.strip()), "")
        if first and not WRAPPER_LINES.match(first):
            return _shorten(f"{type(current).__name__}: {first}", limit)
        if first and (inner := _inner_message(current, lines)):
            return _shorten(inner, limit)
        fallback = fallback or f"{type(current).__name__}: {first}".rstrip(": ")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return _shorten(fallback or type(error).__name__, limit)


def _shorten(line: str, limit: int) -> str:
    line = TF_NOISE.sub("", line).strip()
    return line if len(line) <= limit else line[:limit - 3] + "..."
