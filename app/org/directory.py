"""Org names in an imported sheet → org unit ids (every Excel import places its records in the org
tree; app/core/imports is the import machinery, this is the org area's part)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from app.core.imports.cells import _norm
from app.core.imports.spec import ImportContext
from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit

log = logging.getLogger(__name__)

class OrgDirectory:
    """Org units by name, loaded once per import (a county has a few hundred)."""

    def __init__(self, session: Any) -> None:
        rows = session.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.township_id,
                   OrgUnit.village_id).where(OrgUnit.active.is_(True))
        ).all()
        self.by_id = {r.id: r for r in rows}
        self.townships = {_norm(r.name): r for r in rows if r.kind == OrgKind.TOWNSHIP.value}
        self.villages = {(r.township_id, _norm(r.name)): r for r in rows if r.kind == OrgKind.VILLAGE.value}
        self.hamlets = {(r.village_id, _norm(r.name)): r for r in rows if r.kind == OrgKind.HAMLET.value}
        # Units that may be responsible (属事); township offices are named with their township.
        responsible = {k.value for k in RESPONSIBLE_KINDS}
        self.units = {_norm(r.name): r for r in rows if r.kind in responsible}

    def township(self, name: str) -> Any:
        return self.townships.get(_norm(name))

    def village(self, township_id: int, name: str) -> Any:
        return self.villages.get((township_id, _norm(name)))

    def hamlet(self, village_id: int, name: str) -> Any:
        return self.hamlets.get((village_id, _norm(name)))

    def unit(self, name: str) -> Any:
        return self.units.get(_norm(name))

    @staticmethod
    def of(ctx: ImportContext) -> OrgDirectory:
        directory = ctx.cache.get("org")
        if directory is None:
            directory = ctx.cache["org"] = OrgDirectory(ctx.session)
        return directory


