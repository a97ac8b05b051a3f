"""create_app's config: a mapping or a TOML file, validated with errors that name the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from provider_mocks import create_app, get_mocks
from provider_mocks.core.config import ConfigError
from provider_mocks.providers.itrigger.errors import MESSAGES
from provider_mocks.providers.itrigger.models import TOKEN_PATH, demo_set


def demo_app(role: str = "demo") -> tuple[str, str]:
    app, _ = demo_set()[1][role]
    return app.app_id, app.app_secret


def fetch(app: Flask, app_id: str, app_secret: str) -> dict[str, Any]:
    answer = app.test_client().get(TOKEN_PATH, query_string={"appId": app_id, "appSecret": app_secret})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.get_json(force=True)
    return body


def listed(app: Flask) -> dict[str, Any]:
    answer = app.test_client().get("/__admin/providers")
    assert answer.status_code == 200
    providers: list[dict[str, Any]] = answer.get_json()["providers"]
    found: dict[str, Any] = next(p for p in providers if p["slug"] == "itrigger")
    return found


# -- settings -------------------------------------------------------------------


def test_defaults_without_config() -> None:
    app = create_app()
    assert get_mocks(app).model("itrigger").settings() == {
        "token_lifetime": 7200,
        "daily_limit": 2000,
        "overwrite_grace": 0,
        "timezone": "Asia/Shanghai",
    }
    assert get_mocks(app).journal.size == 5000


def test_settings_override_from_a_mapping() -> None:
    app = create_app({"itrigger": {"settings": {"daily_limit": 5}}})
    settings = get_mocks(app).model("itrigger").settings()
    assert settings["daily_limit"] == 5
    assert settings["token_lifetime"] == 7200
    assert listed(app)["settings"] == settings


def test_settings_override_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "mocks.toml"
    path.write_text(
        "[server]\njournal_size = 7\n\n[itrigger.settings]\ndaily_limit = 5\ntoken_lifetime = 60\n",
        encoding="utf-8",
    )
    for source in (path, str(path)):
        app = create_app(source)
        settings = get_mocks(app).model("itrigger").settings()
        assert settings["daily_limit"] == 5
        assert settings["token_lifetime"] == 60
        assert listed(app)["settings"] == settings
        assert get_mocks(app).journal.size == 7


def test_server_max_body_bytes() -> None:
    app = create_app({"server": {"max_body_bytes": 10}})
    assert app.config["MAX_CONTENT_LENGTH"] == 10


def test_config_with_an_explicit_provider_list() -> None:
    app = create_app({"itrigger": {"settings": {"daily_limit": 1}}}, providers=["itrigger"])
    assert get_mocks(app).model("itrigger").settings()["daily_limit"] == 1


# -- errors ---------------------------------------------------------------------


def test_unknown_top_level_section() -> None:
    with pytest.raises(ConfigError, match="unknown config section") as caught:
        create_app({"itriger": {}, "server": {}})
    assert "itriger" in str(caught.value)


def test_unknown_top_level_section_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mocks.toml"
    path.write_text("[nonsense]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nonsense"):
        create_app(path)


def test_unknown_key_inside_itrigger() -> None:
    with pytest.raises(ConfigError, match=r"itrigger\.dailylimit"):
        create_app({"itrigger": {"dailylimit": 5}})


def test_unknown_key_inside_itrigger_settings() -> None:
    with pytest.raises(ConfigError, match=r"itrigger\.settings\.daily_limt"):
        create_app({"itrigger": {"settings": {"daily_limt": 5}}})


def test_unknown_server_key() -> None:
    with pytest.raises(ConfigError, match=r"server\.journal"):
        create_app({"server": {"journal": 5}})


@pytest.mark.parametrize(
    ("settings", "where"),
    [
        ({"daily_limit": -1}, "itrigger.settings.daily_limit"),
        ({"token_lifetime": 0}, "itrigger.settings.token_lifetime"),
        ({"overwrite_grace": "soon"}, "itrigger.settings.overwrite_grace"),
    ],
)
def test_invalid_setting_values(settings: dict[str, Any], where: str) -> None:
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        create_app({"itrigger": {"settings": settings}})


def test_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[itrigger.settings\ndaily_limit = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        create_app(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError, match="cannot read config") as caught:
        create_app(path)
    assert str(path) in str(caught.value)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_app_naming_an_unknown_tenant() -> None:
    config = {"itrigger": {"apps": [{"app_id": "qjyx", "app_secret": "s", "tenant": "tenant-nowhere"}]}}
    with pytest.raises(ConfigError, match="tenant-nowhere"):
        create_app(config)


def test_app_naming_a_demo_tenant_without_demo() -> None:
    config = {
        "itrigger": {"demo": False, "apps": [{"app_id": "a", "app_secret": "s", "tenant": "tenant-demo"}]}
    }
    with pytest.raises(ConfigError, match="tenant-demo"):
        create_app(config)


def test_bad_timezone() -> None:
    with pytest.raises(ConfigError, match=r"itrigger\.settings\.timezone") as caught:
        create_app({"itrigger": {"settings": {"timezone": "Mars/Olympus_Mons"}}})
    assert "Mars/Olympus_Mons" in str(caught.value)


# -- credentials ----------------------------------------------------------------


def test_demo_credentials_work_by_default() -> None:
    app = create_app()
    assert fetch(app, *demo_app())["code"] == 200
    assert set(listed(app)["credentials"]) == {"demo", "get_only", "frozen", "limited"}


def test_demo_false_removes_demo_credentials() -> None:
    app = create_app({"itrigger": {"demo": False}})
    model = get_mocks(app).model("itrigger")
    assert model.demo_credentials() == {}
    assert listed(app)["credentials"] == {}
    assert fetch(app, *demo_app()) == {"code": 40002, "message": MESSAGES[40002], "data": None}
    admin = app.test_client()
    assert admin.get("/__admin/itrigger/apps").get_json() == {"apps": []}
    assert admin.get("/__admin/itrigger/tenants").get_json() == {"tenants": []}


def test_configured_tenants_and_apps(tmp_path: Path) -> None:
    path = tmp_path / "mocks.toml"
    path.write_text(
        """
[itrigger]
demo = false

[[itrigger.tenants]]
id = "acme"
name = "Acme"
daily_limit = 1

[[itrigger.apps]]
app_id = "acme-app"
app_secret = "acme-secret"
tenant = "acme"
""",
        encoding="utf-8",
    )
    app = create_app(path)
    assert fetch(app, "acme-app", "acme-secret")["code"] == 200
    assert fetch(app, "acme-app", "acme-secret")["code"] == 40004


def test_config_app_with_a_demo_app_id_replaces_its_secret() -> None:
    demo_id, demo_secret = demo_app()
    config = {"itrigger": {"apps": [{"app_id": demo_id, "app_secret": "replaced", "tenant": "tenant-demo"}]}}
    app = create_app(config)
    assert fetch(app, demo_id, demo_secret)["code"] == 40002
    assert fetch(app, demo_id, "replaced")["code"] == 200
    # The other demo apps are untouched.
    assert fetch(app, *demo_app("get_only"))["code"] == 200


def test_credentials_listed_after_a_replaced_secret_still_work() -> None:
    """The admin API must not advertise a demo secret the config has replaced."""
    demo_id, _ = demo_app()
    config = {"itrigger": {"apps": [{"app_id": demo_id, "app_secret": "replaced", "tenant": "tenant-demo"}]}}
    app = create_app(config)
    for role, creds in listed(app)["credentials"].items():
        if creds["appId"] == demo_id:
            assert fetch(app, creds["appId"], creds["appSecret"])["code"] == 200, role


def test_messages_override_changes_a_real_answer() -> None:
    app = create_app({"itrigger": {"messages": {"40002": "bad credentials"}}})
    assert fetch(app, "nobody", "nothing") == {"code": 40002, "message": "bad credentials", "data": None}
    # Other codes keep the documented text.
    assert fetch(app, "", "")["message"] == MESSAGES[40001]


def test_messages_override_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "mocks.toml"
    path.write_text('[itrigger.messages]\n"40001" = "空的"\n', encoding="utf-8")
    app = create_app(path)
    assert fetch(app, "", "")["message"] == "空的"
