"""The token managers that tell the same stories, one row a provider: how to build and call each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, TypeVar

from provider_mocks.testing.pytest_plugin import ProviderMock

from . import appauth, credential, dingtalk, feishu, itrigger, sugon, wechat, wecom
from .cache import Answer, code, errcode
from .harness import build

C = TypeVar("C")


@dataclass(frozen=True)
class Provider(Generic[C]):
    """One provider's well-behaved manager and its two mistakes every provider has a sample of."""

    slug: str
    #: The mock's credentials the client takes, in its order.
    keys: tuple[str, ...]
    good: type[C]
    fetch_per_call: type[C]
    ignores_expiry: type[C]
    #: The i-th business call, and the entries its answer is expected to have.
    call: Callable[[C, int], Answer]
    expected: Callable[[int], Answer]
    #: The answer code of a token no longer valid, and how long a token lives.
    invalid: object
    lifetime: float
    #: How many tokens the client has fetched.
    fetched: Callable[[C], int] = attrgetter("fetches")
    #: An answer's code.
    code: Callable[[Answer], object] = code

    def client(
        self, mock: ProviderMock, kind: type[C] | None = None, base: str | None = None, **options: Any
    ) -> C:
        return build(mock, kind or self.good, self.keys, base, **options)

    def answered(self, client: C, i: int) -> Answer:
        """The i-th call's answer, cut to the entries `expected(i)` names, to compare with it."""
        answer = self.call(client, i)
        return {key: answer.get(key) for key in self.expected(i)}


def itrigger_call(client: itrigger.TokenManager, i: int) -> Answer:
    """GET and POST in turn: the parameters in the query, then in the body."""
    method, api = ("GET", itrigger.GET_API) if i % 2 == 0 else ("POST", itrigger.POST_API)
    answer: Answer = client.call(method, api, i=str(i))
    return answer


APPAUTH = Provider(
    "appauth",
    ("appId", "appSecret"),
    appauth.TokenManager,
    appauth.FetchPerCall,
    appauth.IgnoresExpiry,
    call=lambda client, i: client.call(),
    expected=lambda i: {"code": 200},
    invalid=appauth.TOKEN_INVALID,
    lifetime=7200,
)
CREDENTIAL = Provider(
    "credential",
    ("clientId", "secret"),
    credential.TokenManager,
    credential.FetchPerCall,
    credential.IgnoresExpiry,
    call=lambda client, i: client.call(i=i),
    expected=lambda i: {"code": 200, "data": {"i": i}},
    invalid=credential.TOKEN_INVALID,
    lifetime=credential.LIFETIME,
)
ITRIGGER = Provider(
    "itrigger",
    ("appId", "appSecret"),
    itrigger.TokenManager,
    itrigger.FetchPerCall,
    itrigger.IgnoresExpiry,
    call=itrigger_call,
    expected=lambda i: {"code": 200, "data": {"i": str(i)}},
    invalid=itrigger.TOKEN_INVALID,
    lifetime=itrigger.LIFETIME,
)
SUGON = Provider(
    "sugon",
    ("user", "password", "orgId"),
    sugon.TokenManager,
    sugon.LoginPerCall,
    sugon.IgnoresExpiry,
    call=lambda client, i: client.call("GET", (sugon.STATE, sugon.CENTER, sugon.USER)[i % 3]),
    expected=lambda i: {"code": "0"},
    invalid=sugon.EXPIRED,
    lifetime=24 * 3600,  # a login's tokens live a day
    fetched=attrgetter("logins"),
)
WECHAT = Provider(
    "wechat",
    ("appid", "secret"),
    wechat.TokenManager,
    wechat.FetchPerCall,
    wechat.IgnoresExpiry,
    call=lambda client, i: client.call(),
    expected=lambda i: {"ip_list": wechat.API_DOMAIN_IPS},
    invalid=42001,
    lifetime=wechat.LIFETIME,
    code=errcode,
)
WECOM = Provider(
    "wecom",
    ("corpid", "corpsecret"),
    wecom.TokenManager,
    wecom.FetchPerCall,
    wecom.IgnoresExpiry,
    call=lambda client, i: client.call(),
    expected=lambda i: {"errcode": 0, "errmsg": "ok"},
    invalid=wecom.TOKEN_EXPIRED,
    lifetime=wecom.LIFETIME,
    code=errcode,
)
DINGTALK = Provider(
    "dingtalk",
    ("appkey", "appsecret"),
    dingtalk.TokenManager,
    dingtalk.FetchPerCall,
    dingtalk.IgnoresExpiry,
    call=lambda client, i: client.call(),
    expected=lambda i: {"errcode": 0, "errmsg": "ok"},
    invalid=dingtalk.TOKEN_INVALID,
    lifetime=dingtalk.LIFETIME,
    code=errcode,
)
FEISHU = Provider(
    "feishu",
    ("app_id", "app_secret"),
    feishu.TokenManager,
    feishu.FetchPerCall,
    feishu.IgnoresExpiry,
    call=lambda client, i: client.call(),
    expected=lambda i: {"code": 0, "msg": "ok"},
    invalid=feishu.TOKEN_INVALID,
    lifetime=feishu.LIFETIME,
)
PROVIDERS: list[Provider[Any]] = [APPAUTH, CREDENTIAL, ITRIGGER, SUGON, WECHAT, WECOM, DINGTALK, FEISHU]
