"""Admin routes under /__admin/sugon: orgs, regions, users and access keys."""

from __future__ import annotations

from flask import Blueprint

from ...core.crud import credential_routes
from .models import SugonModel
from .records import AccessKey, AccessKeyChange, Org, Region, RegionChange, User, UserChange
from .routes import bp as routes

bp = Blueprint("sugon_admin", __name__)

credential_routes(bp, "orgs", routes.model, SugonModel.orgs, (Org, SugonModel.create_org))
credential_routes(
    bp,
    "regions",
    routes.model,
    SugonModel.regions,
    (Region, SugonModel.create_region),
    get=SugonModel.region,
    update=(RegionChange, SugonModel.update_region),
)
credential_routes(
    bp,
    "users",
    routes.model,
    SugonModel.users,
    (User, SugonModel.create_user),
    get=SugonModel.user,
    update=(UserChange, SugonModel.update_user),
)
credential_routes(
    bp,
    "access_keys",
    routes.model,
    SugonModel.access_keys,
    (AccessKey, SugonModel.create_access_key),
    get=SugonModel.access_key,
    update=(AccessKeyChange, SugonModel.update_access_key),
    path="/access-keys",
)
