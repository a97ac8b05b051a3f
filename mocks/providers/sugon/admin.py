"""Admin routes under /__admin/sugon: orgs, regions, users and access keys."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.admin import body
from ...core.jsonio import json_response
from .models import AccessKey, AccessKeyChange, Org, Region, RegionChange, User, UserChange
from .routes import model

bp = Blueprint("sugon_admin", __name__)


@bp.get("/orgs")
def orgs() -> Response:
    return json_response({"orgs": model().orgs()})


@bp.post("/orgs")
def create_org() -> Response:
    return json_response(model().create_org(body(Org)), status=201)


@bp.get("/regions")
def regions() -> Response:
    return json_response({"regions": model().regions()})


@bp.post("/regions")
def create_region() -> Response:
    return json_response(model().create_region(body(Region)), status=201)


@bp.get("/regions/<cluster_id>")
def region(cluster_id: str) -> Response:
    return json_response(model().region(cluster_id))


@bp.patch("/regions/<cluster_id>")
def update_region(cluster_id: str) -> Response:
    return json_response(model().update_region(cluster_id, body(RegionChange)))


@bp.get("/users")
def users() -> Response:
    return json_response({"users": model().users()})


@bp.post("/users")
def create_user() -> Response:
    return json_response(model().create_user(body(User)), status=201)


@bp.get("/users/<name>")
def user(name: str) -> Response:
    return json_response(model().user(name))


@bp.patch("/users/<name>")
def update_user(name: str) -> Response:
    return json_response(model().update_user(name, body(UserChange)))


@bp.get("/access-keys")
def access_keys() -> Response:
    return json_response({"access_keys": model().access_keys()})


@bp.post("/access-keys")
def create_access_key() -> Response:
    return json_response(model().create_access_key(body(AccessKey)), status=201)


@bp.get("/access-keys/<access_key>")
def access_key(access_key: str) -> Response:
    return json_response(model().access_key(access_key))


@bp.patch("/access-keys/<access_key>")
def update_access_key(access_key: str) -> Response:
    return json_response(model().update_access_key(access_key, body(AccessKeyChange)))
