"""What Sugon / SCNet AC's `GET center` and `GET user` answer, field by field."""

from __future__ import annotations

from typing import Any

from .config import Settings
from .records import Center, Profile, UserRecord

#: The center's URL lists in the documented example's order, and each entry's keys in its
#: order [public: SCNet's 获取授权区域 example]. `enable` is always the string "true" (clients
#: compare it with == "true"), `url` points at the mock; the other values are configured.
CENTER_LISTS: dict[str, tuple[str, ...]] = {
    "ingressUrls": ("enable", "isManagerNode", "version", "url"),
    "efileUrls": ("nodeName", "enable", "fastTransEnable", "udpPort", "version", "url"),
    "eshellUrls": ("enable", "version", "url"),
    "hpcUrls": ("enable", "isManagerNode", "version", "url"),
    "aiUrls": ("enable", "version", "url"),
}
#: The `/user` answer's fields, in their order: the official example starts country, language,
#: timeZone, address, and wiltonMotta/api2mcp lists the next six in this order [public];
#: email, mobilephoneNum and institution are read by wiltonMotta/scnet-chat [public, order decided].
USER_FIELDS = (
    "country",
    "language",
    "timeZone",
    "address",
    "fullName",
    "userName",
    "computerCenter",
    "accountName",
    "accountStatus",
    "accountBalance",
    "email",
    "mobilephoneNum",
    "institution",
)


def center_answer(
    cluster_id: str, name: str, about: Center, user: UserRecord, settings: Settings, base: str
) -> dict[str, Any]:
    """A region (`about` it, its `name`) as `GET center` documents it, for `user`, every URL under `base`."""
    cluster_user = user.compute_user or user.user
    data: dict[str, Any] = {
        "id": int(cluster_id) if settings.center_id_type == "number" else cluster_id,
        "name": name,
        "description": about.description,
        "clusterUserInfo": {
            "userName": cluster_user,
            "homePath": user.home_path or f"/public/home/{cluster_user}",
        },
    }
    for list_name, keys in CENTER_LISTS.items():
        values = {"enable": "true", "url": base + getattr(settings.center_paths, list_name)}
        values |= getattr(about, list_name).model_dump()
        data[list_name] = [{key: values[key] for key in keys}]
    return data


def account_answer(user: UserRecord, first_region: str) -> dict[str, str]:
    """`user` as `GET user` answers it; `first_region`: the name of the first of its regions that exists."""
    profile = (user.profile or Profile()).model_dump()
    derived = {"fullName": user.user, "accountName": user.user, "computerCenter": first_region}
    values = {
        **{name: value if value is not None else derived[name] for name, value in profile.items()},
        "userName": user.user,
        "accountStatus": user.account_status,
    }
    return {name: values[name] for name in USER_FIELDS}
