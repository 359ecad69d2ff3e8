"""Who is asking, as the domain sees it: ownership checks need no knowledge of HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pools.models import Administrator


@dataclass(frozen=True)
class Viewer:
    worker_id: uuid.UUID | None = None
    admin_id: uuid.UUID | None = None
    is_operator: bool = False

    @classmethod
    def of_admin(cls, admin: Administrator) -> Viewer:
        """An administrator as a viewer: an operator sees every pool."""
        return cls(admin_id=admin.id, is_operator=admin.role == "operator")
