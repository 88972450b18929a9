"""JSON stored compressed inside a payload: base64(zlib(compact JSON)).

For the few values that grow with a whole run and would pass Temporal's payload limits (a
continue-as-new carry, the result of a 1,000-call run). The UI shows such a value as an opaque
string, so everything else stays plain JSON. The format is compatibility data: histories hold it.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any


def compact(value: Any) -> bytes:
    """``value`` as JSON without spaces, the bytes that :func:`compress` takes."""
    return json.dumps(value, separators=(",", ":")).encode()


def compress(raw: bytes) -> str:
    """JSON bytes (from :func:`compact`) as base64(zlib(...)) text."""
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def decompress(text: str) -> Any:
    """The value :func:`compress` stored in ``text``."""
    return json.loads(zlib.decompress(base64.b64decode(text)))
