"""Admin routes under /__admin/sugon: orgs, regions, users and access keys."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import SugonModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("orgs", SugonModel.orgs, SugonModel.create_org),
    Kind(
        "regions", SugonModel.regions, SugonModel.create_region, SugonModel.region, SugonModel.update_region
    ),
    Kind("users", SugonModel.users, SugonModel.create_user, SugonModel.user, SugonModel.update_user),
    Kind(
        "access_keys",
        SugonModel.access_keys,
        SugonModel.create_access_key,
        SugonModel.access_key,
        SugonModel.update_access_key,
        path="/access-keys",
    ),
)
