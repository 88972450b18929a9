"""Declared interception: the framework points an adapter replaces, in one table per adapter.

Where a framework has no hook that can carry a call out of the workflow, an adapter replaces
one of its functions or methods. Written by hand, each such patch needs an "installed" flag, a
lock, a saved original and a check that a durable run is active; spread over many files, nobody
can say what is patched. Here an adapter declares each point once::

    PATCHES = Interceptions("langgraph", active=lambda: _run.current() is not None)

    @PATCHES.point(BaseChatModel, "_agenerate_with_cache", side="workflow",
                   why="a chat model's generation leaves the workflow as a model-call activity")
    async def _agenerate_with_cache(original, self, messages, stop=None, run_manager=None, **kwargs):
        ...

and calls ``PATCHES.install()`` when it hosts its first object. Guarantees:

* the replacement runs only while ``active()`` (or the point's own ``active``) is true; anywhere
  else the framework's original runs, unchanged, with the same arguments;
* the installed function keeps the original as ``__wrapped__`` (and its name and docstring);
* ``install()`` is idempotent and thread-safe, and patches nothing twice;
* :meth:`Interceptions.table` lists every point (owner, attribute, side, why): the adapter's
  docs and its framework-internals test read it, so a framework release that moves a point
  fails in CI with that point's name.
"""

from __future__ import annotations

import functools
import inspect
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Side = Literal["workflow", "activity", "worker"]
"""Where the replacement takes effect: in the workflow's run of the framework loop, inside a
call activity, or in the worker process as a whole."""


@dataclass(frozen=True)
class InterceptedPoint:
    """One framework attribute an adapter replaces, and why."""

    owner: Any
    """The class or module that holds the attribute."""
    attribute: str
    side: Side
    why: str
    replacement: Callable[..., Any] = field(repr=False)
    """Called as ``replacement(original, *args, **kwargs)`` while the point is active."""
    active: Callable[[], bool] | None = field(default=None, repr=False)
    """The point's own activity test; None: the table's."""

    @property
    def dotted(self) -> str:
        """``module:Qualname.attribute``: the one format the docs and error messages use."""
        module = getattr(self.owner, "__module__", None) if inspect.isclass(self.owner) else None
        if module is None:
            return f"{self.owner.__name__}:{self.attribute}"
        return f"{module}:{self.owner.__qualname__}.{self.attribute}"


class Interceptions:
    """The table of points one adapter intercepts, and their installation."""

    def __init__(self, adapter: str, *, active: Callable[[], bool]) -> None:
        self.adapter = adapter
        self._active = active
        self._points: list[InterceptedPoint] = []
        self._installed = False
        self._lock = threading.Lock()

    def point(
        self,
        owner: Any,
        attribute: str,
        *,
        side: Side,
        why: str,
        active: Callable[[], bool] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare that ``owner.attribute`` is replaced by the decorated function (returned as is)."""

        if self._installed:
            raise RuntimeError(f"{self.adapter}: {attribute} declared after install()")

        def declare(replacement: Callable[..., Any]) -> Callable[..., Any]:
            self._points.append(InterceptedPoint(owner, attribute, side, why, replacement, active))
            return replacement

        return declare

    def table(self) -> tuple[InterceptedPoint, ...]:
        """Every declared point, in declaration order."""
        return tuple(self._points)

    def original(self, owner: Any, attribute: str) -> Any:
        """The framework's own ``owner.attribute`` (the original, whether or not installed yet)."""
        current = owner.__dict__[attribute] if inspect.isclass(owner) else getattr(owner, attribute)
        function = current.__func__ if isinstance(current, staticmethod | classmethod) else current
        return getattr(function, "__wrapped__", function) if self._installed else function

    @property
    def installed(self) -> bool:
        return self._installed

    def install(self) -> None:
        """Replace every declared point (once per process; later calls do nothing)."""
        with self._lock:
            if self._installed:
                return
            for point in self._points:
                _install(point, point.active or self._active)
            self._installed = True


def _install(point: InterceptedPoint, active: Callable[[], bool]) -> None:
    # A class attribute is read from the class's own __dict__, so a staticmethod or classmethod
    # is kept as the descriptor it is, and an inherited attribute is not copied down silently.
    if inspect.isclass(point.owner):
        try:
            raw = point.owner.__dict__[point.attribute]
        except KeyError:
            raise AttributeError(f"{point.dotted} is not defined on that class itself") from None
    else:
        raw = getattr(point.owner, point.attribute)
    if isinstance(raw, staticmethod | classmethod):
        kind: Any = type(raw)
        original = raw.__func__
    else:
        kind, original = None, raw
    replacement = point.replacement

    if kind is classmethod:

        def dispatch_cls(cls: Any, /, *args: Any, **kwargs: Any) -> Any:
            bound = types.MethodType(original, cls)
            return replacement(bound, *args, **kwargs) if active() else bound(*args, **kwargs)

        dispatch: Callable[..., Any] = dispatch_cls
    elif inspect.isasyncgenfunction(original):
        # A generator stays one, and is checked where its body starts (at the first iteration).

        async def dispatch_async_gen(*args: Any, **kwargs: Any) -> Any:
            source = replacement(original, *args, **kwargs) if active() else original(*args, **kwargs)
            async for item in source:
                yield item

        dispatch = dispatch_async_gen
    elif inspect.isgeneratorfunction(original):

        def dispatch_gen(*args: Any, **kwargs: Any) -> Any:
            source = replacement(original, *args, **kwargs) if active() else original(*args, **kwargs)
            return (yield from source)

        dispatch = dispatch_gen
    elif inspect.iscoroutinefunction(original):
        # A coroutine function stays one: frameworks ask before they await (LangChain, CrewAI).

        async def dispatch_async(*args: Any, **kwargs: Any) -> Any:
            if active():
                return await replacement(original, *args, **kwargs)
            return await original(*args, **kwargs)

        dispatch = dispatch_async
    else:

        def dispatch_plain(*args: Any, **kwargs: Any) -> Any:
            return replacement(original, *args, **kwargs) if active() else original(*args, **kwargs)

        dispatch = dispatch_plain
    functools.update_wrapper(dispatch, original)  # __wrapped__, __name__, __doc__, __qualname__
    installed: Any = kind(dispatch) if kind is not None else dispatch
    setattr(point.owner, point.attribute, installed)
