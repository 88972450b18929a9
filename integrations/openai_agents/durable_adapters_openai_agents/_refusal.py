"""Refusing a construct from inside the SDK's loop, where exceptions are turned into text."""

from __future__ import annotations

from durable_adapters.adapter import UnsupportedError


class Refusal(BaseException):
    """Carries an :class:`UnsupportedError` past the SDK's tool error handlers.

    The SDK turns an exception inside a tool (an agent tool's nested run included) into text for
    the model, so a refused construct would be reported to the model and the run would go on as
    if nothing happened. A ``BaseException`` is not caught there; the adapter unwraps it and
    fails the run with the error.
    """

    def __init__(self, error: UnsupportedError) -> None:
        super().__init__(str(error))
        self.error = error
