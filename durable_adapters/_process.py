"""Leaving a process that used a Temporal client, without the interpreter-teardown crash.

temporalio's Rust bridge keeps threads that can touch the GIL while CPython finalizes, and a
short-lived process then aborts with "Fatal Python error: PyGILState_Release: thread state ...
must be current when releasing" after its work is done (temporalio/sdk-python#300, open).
The command line, the demo and this project's test session therefore flush what they wrote
and leave with ``os._exit``, skipping the teardown that crashes.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush output and logging, then end the process with ``code``, skipping interpreter teardown."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)
