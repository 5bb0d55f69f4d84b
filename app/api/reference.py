"""What an integrator needs to fill in ids: the org units it may use and the subject dictionary."""

from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import or_, select

from app.api.base import ResourceApi
from app.api.schemas import ApiSchema, StrictInteger, at_least
from app.cases.models import Subject
from app.core.scoping import scope_clause
from app.org.models import RESPONSIBLE_KINDS, OrgKind, OrgUnit


class PagesOnly(ApiSchema):
    class Meta:
        unknown = "exclude"

    page = StrictInteger(load_default=1, validate=at_least(1, 1_000_000))
    page_size = StrictInteger(load_default=50, validate=at_least(1, 200))


class OrgUnitOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": OrgKind.codes()})
    parent_id = fields.Integer(allow_none=True)
    township_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)
    code = fields.String(allow_none=True)


class OrgUnitApi(ResourceApi):
    """Places and units inside the caller's area, and the county-level units every case may be
    assigned to (what the registration form's select boxes offer)."""

    resource_name = "org-units"
    permission_group = "org"
    model = OrgUnit
    out_schema = OrgUnitOut
    query_schema = PagesOnly
    updated_column = None
    order_by = ("sort_order",)
    tag = "参考数据"
    noun = "组织机构"

    def visible(self):
        county_units = (OrgUnit.township_id.is_(None)) & OrgUnit.kind.in_([k.value for k in RESPONSIBLE_KINDS])
        return select(OrgUnit).where(OrgUnit.active.is_(True), or_(scope_clause(OrgUnit), county_units))


class SubjectOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class SubjectApi(ResourceApi):
    """The subject dictionary (county-wide)."""

    resource_name = "subjects"
    permission_group = "dictionaries"
    model = Subject
    out_schema = SubjectOut
    query_schema = PagesOnly
    updated_column = None
    order_by = ("sort_order",)
    tag = "参考数据"
    noun = "信访事项分类"

    def visible(self):
        return select(Subject).where(Subject.active.is_(True))
