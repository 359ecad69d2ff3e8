"""Who is asking, as the domain sees it: ownership checks need no knowledge of HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Viewer:
    worker_id: uuid.UUID | None = None
    admin_id: uuid.UUID | None = None
    is_operator: bool = False
