"""Errors this project raises, and how a failed model call is classified for retrying.

A model call fails either for a reason that may heal (rate limit, server error, timeout, lost
connection) or for one that will not (bad request, bad key, unknown model). The first is retried
by Temporal with backoff, honouring the provider's ``retry-after``; the second fails the call at
once, so a run with a wrong API key stops on its first attempt instead of burning retries.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.exceptions import ApplicationError

TRANSIENT_STATUS = frozenset({408, 409, 425, 429})
"""HTTP statuses below 500 that a later attempt can succeed on."""

# Exception class names (of any provider SDK) that mean "the request may not have reached the
# model, try again". Matched by name so the core needs no provider SDK installed.
_TRANSIENT_NAMES = ("Timeout", "ConnectionError", "APIConnectionError", "ServiceUnavailable")


class DurableError(Exception):
    """Base class of this project's own errors."""


class ConfigurationError(DurableError):
    """The object or the deployment cannot be served as configured; the message says what to do."""


class UnsupportedError(DurableError):
    """A framework construct that cannot run durably; the message says what to do instead."""


class TransientCallError(DurableError):
    """Raised by an adapter's ``call_tool`` or ``call_model`` for a failure that may heal by itself.

    A tool's own exceptions are the framework's business and are not retried (see
    ``_activities``). But some calls an adapter makes as tool calls are I/O of the framework's
    own: an MCP server's connection refused or dropped, a session store that is briefly locked.
    Raise this (``raise TransientCallError("...") from exc``) and Temporal retries the call with
    the run's call policy (backoff, attempts), on any worker. When the attempts run out, the call
    fails with the cause's type, as any call does. ``retry_after`` asks for a delay before the
    next attempt.
    """

    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeterminismError(DurableError):
    """Code inside the workflow did something that cannot be replayed (network I/O, sleeping)."""


class RunFailedError(DurableError):
    """A durable run ended in failure. ``type`` is the qualified name of the original exception."""

    def __init__(self, message: str, *, type: str | None = None, run_id: str | None = None) -> None:
        super().__init__(message)
        self.type = type
        self.run_id = run_id


_RUN_FAILED_CLASSES: dict[type[BaseException], type[Any]] = {}

_E = TypeVar("_E", bound=BaseException)


def run_failed_class(cls: type[_E]) -> type[_E]:
    """``cls`` that is also a :class:`RunFailedError`, under ``cls``'s own name (one per class).

    What a failed run raises on the client when a plain run raises ``cls``: ``except cls`` and
    ``except RunFailedError`` both match. The core uses it for any failure's class
    (:func:`with_raised_type`); an adapter that rebuilds its framework's exception with its
    attributes uses it too, so both give the same class.
    """
    made = _RUN_FAILED_CLASSES.get(cls)
    if made is None:
        made = type(cls.__name__, (cls, RunFailedError), {"__module__": cls.__module__})
        made.__qualname__ = cls.__qualname__
        made = _RUN_FAILED_CLASSES.setdefault(cls, made)
    return made  # type: ignore[no-any-return]


def with_raised_type(failure: RunFailedError, *, status_code: int | None = None) -> RunFailedError:
    """``failure`` made an instance of the class the run failed with too, where that class is loaded.

    A plain run raises the provider's ``openai.AuthenticationError`` or the agent's own
    ``ValueError``; user code catches them by type. The returned exception is of a subclass of
    both that class and :class:`RunFailedError`, under the class's own name, so ``except
    openai.AuthenticationError`` and ``except RunFailedError`` both match, and it keeps
    ``status_code`` where the failed call had one. It is built without the class's ``__init__``
    (a provider's error wants the live HTTP response, which is not data), so attributes only the
    live object has, such as ``response``, are absent. Only classes of modules this process has
    already imported are used: a failure read from history never imports code. Anything else
    returns ``failure`` unchanged.
    """
    cls = _loaded_exception_class(failure.type)
    if cls is None or issubclass(cls, RunFailedError):
        return failure
    try:
        raised_type = run_failed_class(cls)
        error: Any = raised_type.__new__(raised_type)
        BaseException.__init__(error, *failure.args)
        error.type, error.run_id = failure.type, failure.run_id
        if status_code is not None:
            error.status_code = status_code
            error.message = str(failure)
    except Exception:
        return failure  # a class that cannot be subclassed or built bare: the core's error
    assert isinstance(error, RunFailedError)
    return error


def _loaded_exception_class(name: str | None) -> type[Exception] | None:
    """The exception class ``module.Qual.Name`` names, if its module is already imported."""
    if not name:
        return None
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:split]))
        if module is None:
            continue
        found: Any = module
        for attribute in parts[split:]:
            found = getattr(found, attribute, None)
        if isinstance(found, type) and issubclass(found, Exception):
            return found
        return None
    return None


def qualified_name(exc_or_type: BaseException | type) -> str:
    cls = exc_or_type if isinstance(exc_or_type, type) else type(exc_or_type)
    return f"{cls.__module__}.{cls.__qualname__}"


def status_code_of(exc: BaseException) -> int | None:
    """The HTTP status of a provider error, whatever SDK raised it (openai, httpx, litellm...)."""
    for candidate in (exc, getattr(exc, "response", None)):
        code = getattr(candidate, "status_code", None)
        if isinstance(code, int):
            return code
    return None


def retry_after_of(exc: BaseException) -> timedelta | None:
    """The delay the provider asked for (``retry-after`` seconds or ``retry-after-ms``), if any."""
    headers: Any = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(header)
        if raw is None:
            continue
        try:
            seconds = float(raw) * scale
        except ValueError:
            continue  # an HTTP date: let Temporal's backoff decide
        return timedelta(seconds=max(seconds, 0.0))
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether a model call that raised ``exc`` may succeed if sent again."""
    status = status_code_of(exc)
    if status is not None:
        return status >= 500 or status in TRANSIENT_STATUS
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return True
    names = [cls.__name__ for cls in type(exc).__mro__]
    return any(marker in name for name in names for marker in _TRANSIENT_NAMES)


def transient_call_error(exc: TransientCallError, *, call: str) -> ApplicationError:
    """The retryable Temporal error for an adapter's ``TransientCallError``, typed as its cause."""
    cause = exc.__cause__ or exc
    return ApplicationError(
        f"{call} failed and will be retried: {exc}",
        type=qualified_name(cause),
        non_retryable=False,
        next_retry_delay=exc.retry_after,
    )


def model_call_error(exc: BaseException, *, model: str) -> ApplicationError:
    """Turn a model call's exception into the Temporal error that retries it or fails it at once."""
    if isinstance(exc, TransientCallError):
        return transient_call_error(exc, call=f"model call to {model}")
    status = status_code_of(exc)
    prefix = f"model call to {model} failed"
    if status is not None:
        prefix += f" with HTTP {status}"
    transient = is_transient(exc)
    message = f"{prefix}: {exc}"
    if not transient:
        message += " (not retried: this error does not heal by itself — check the model name, API key and request)"
    return ApplicationError(
        message,
        *([{"status_code": status}] if status is not None else []),
        type=qualified_name(exc),
        non_retryable=not transient,
        next_retry_delay=retry_after_of(exc) if transient else None,
    )
