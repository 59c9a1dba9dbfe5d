"""Where a fault acts, read as DESIGN.md writes it: `SYSTEM` or `SYSTEM:OBJECT`."""

from __future__ import annotations


class FaultPlace:
    where: str

    @property
    def system(self) -> str:
        return self.where.split(":", 1)[0]

    @property
    def object(self) -> str | None:
        return self.where.split(":", 1)[1] if ":" in self.where else None
