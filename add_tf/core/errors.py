"""Errors the commands report to the user without a traceback."""


class UsageError(Exception):
    """A problem with the command line or the inputs; a command prints it and exits with 2."""


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite; a command prints it and exits with 1."""
