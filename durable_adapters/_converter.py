"""The data converter every client, worker and replayer of this project uses.

Payloads are JSON (``json/plain``) written by pydantic, so inputs and results read as JSON in the
Temporal UI and never contain pickled objects. Values that pydantic cannot turn into JSON fail
at the boundary with a ``TypeError`` instead of being smuggled through.
"""

from __future__ import annotations

from temporalio.contrib.pydantic import pydantic_data_converter

DATA_CONVERTER = pydantic_data_converter
