"""Helpers every provider's tests share: the admin API's view of a provider, the clock, a model
on a frozen clock, a model that crashes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Generic, TypeVar

import pytest
import requests
from flask import Flask

from provider_mocks import create_app, get_mocks
from provider_mocks.core.clock import Clock
from provider_mocks.core.errors import ProviderError
from provider_mocks.core.provider import ProviderModel
from tests.specs import LiveCase, TokenContext

JSON_UTF8 = "application/json;charset=UTF-8"
#: The providers' time zone, and the instant the model tests freeze their clocks at unless they say.
SHANGHAI = timezone(timedelta(hours=8))
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)

M = TypeVar("M", bound=ProviderModel[Any])


def provider(slug: str, http: requests.Session, base_url: str) -> dict[str, Any]:
    """The provider's entry in /__admin/providers: its demo credentials, settings, paths."""
    listed = http.get(f"{base_url}/__admin/providers").json()["providers"]
    found: dict[str, Any] = next(p for p in listed if p["slug"] == slug)
    return found


def demo(slug: str, http: requests.Session, base_url: str, role: str = "demo") -> dict[str, str]:
    """A demo credential as the admin API lists it."""
    creds: dict[str, str] = provider(slug, http, base_url)["credentials"][role]
    return creds


def clock(http: requests.Session, base_url: str, **change: Any) -> dict[str, Any]:
    """Change the virtual clock through the admin API; its state after."""
    answer = http.post(f"{base_url}/__admin/clock", json=change)
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


def answered(answer: requests.Response, status: int, content_type: str = JSON_UTF8) -> requests.Response:
    """`answer`, which must have `status` and `content_type` (the providers' JSON unless said)."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == content_type
    return answer


def send(http: requests.Session, method: str, url: str, status: int, **kwargs: Any) -> Any:
    """The JSON of an admin API answer, which must have `status` and the providers' content type."""
    return answered(http.request(method, url, **kwargs), status).json()


def created_twice(http: requests.Session, url: str, *generated: str) -> dict[str, Any]:
    """Create through the admin API with an empty body and with none: both must work, and every
    `generated` field (the credentials the admin API makes up) must differ between them. The first."""
    first = send(http, "POST", url, 201, json={})
    second = send(http, "POST", url, 201)
    for field in generated:
        assert first[field] != second[field], field
    created: dict[str, Any] = first
    return created


def envelope(answer: requests.Response) -> dict[str, Any]:
    """The JSON envelope of an answer that must be an HTTP 200 in the providers' content type."""
    sent_envelope(answer)
    body: dict[str, Any] = answer.json()
    return body


def fetch_by_app(http: requests.Session, url: str, creds: dict[str, str]) -> dict[str, Any]:
    """The envelope of a token GET that sends appId and appSecret as query parameters, as appauth and
    iTrigger both ask."""
    params = {"appId": creds["appId"], "appSecret": creds["appSecret"]}
    return envelope(http.get(url, params=params))


def token_by_app(http: requests.Session, url: str, creds: dict[str, str], result: str) -> str:
    """The access token of a successful `fetch_by_app`, found under the envelope's `result` key."""
    body = fetch_by_app(http, url, creds)
    assert body["code"] == 200, body
    value: str = body[result]["accessToken"]
    return value


def sent_envelope(answer: requests.Response) -> bytes:
    """The bytes of an answer that must be an HTTP 200 in the providers' content type: for tests
    that pin the envelope exactly as sent."""
    return answered(answer, 200).content


def missing_app_credentials() -> list[dict[str, str]]:
    """Token queries lacking appId or appSecret, or with them empty: appauth and iTrigger refuse
    them all as missing, before looking anything up."""
    return [
        {},
        {"appId": "x"},
        {"appSecret": "x"},
        {"appId": "", "appSecret": ""},
        {"appId": "x", "appSecret": ""},
    ]


@dataclass
class AppTokenContext(TokenContext):
    """A provider whose apps fetch their token with appId and appSecret: appauth and iTrigger."""

    fields = ("appId", "appSecret")


T = TypeVar("T", bound=AppTokenContext)


def refused_app_credential_cases(
    case: type[LiveCase[T]], token: tuple[str, str], missing: int | str, wrong: int | str, unknown_app: str
) -> list[LiveCase[T]]:
    """The spec cases of a token fetch by appId and appSecret that appauth and iTrigger both refuse:
    none given or an empty secret (`missing`), a wrong secret or an app `unknown_app` (`wrong`)."""
    return [
        case("token no params", token, missing, lambda c: c.fetch()),
        case("token empty secret", token, missing,
             lambda c: c.fetch(appId=c.credentials()["appId"], appSecret="")),
        case("token wrong secret", token, wrong,
             lambda c: c.fetch(appId=c.credentials()["appId"], appSecret="wrong")),
        case("token unknown app", token, wrong, lambda c: c.fetch(appId=unknown_app, appSecret="x")),
    ]  # fmt: skip


def only_listed(listing: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """The one entry of an admin listing (a model's tokens, say), which must have `fields` as given,
    types and all (True is not 1)."""
    (listed,) = listing
    assert {k: (type(listed[k]), listed[k]) for k in fields} == {k: (type(v), v) for k, v in fields.items()}
    return listed


class FrozenWorld(Generic[M]):
    """A provider's model on an app of its own, with the app's clock frozen at `at`: what the
    model tests call directly, without HTTP."""

    def __init__(self, kind: type[M], config: dict[str, Any], at: datetime, store: str | None = None) -> None:
        self.flask: Flask = create_app({kind.slug: config}, providers=[kind.slug], store=store)
        mocks = get_mocks(self.flask)
        model = mocks.model(kind.slug)
        assert isinstance(model, kind)
        self.model: M = model
        self.clock: Clock = mocks.clock
        self.clock.freeze()
        self.clock.set(at)

    def refusal(self, operation: Callable[..., object], *args: Any) -> int | str:
        """The error code of a model call that must fail."""
        with pytest.raises(ProviderError) as caught:
            operation(*args)
        return caught.value.code


def explode(monkeypatch: pytest.MonkeyPatch, kind: type[ProviderModel[Any]], *operations: str) -> None:
    """Make the model's `operations` crash as a broken store would, to see the answer a crash gets."""

    def boom(*_: object) -> None:
        raise RuntimeError("store exploded")

    for operation in operations:
        monkeypatch.setattr(kind, operation, boom)
