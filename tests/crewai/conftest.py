from __future__ import annotations

import os
import tempfile

# A fresh CrewAI storage dir for the session (and the worker processes it starts): CrewAI's
# first-run trace collection, its settings and its task-output database all start from nothing,
# as on a new machine. Nothing else is switched off: a durable run must not hang on any of it.
os.environ["CREWAI_STORAGE_DIR"] = tempfile.mkdtemp(prefix="crewai-storage-")
