"""What every provider package supplies, and the base its model builds on."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    Protocol,
    TypeVar,
    cast,
    get_args,
    get_origin,
    overload,
)

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from .clock import Clock
from .errors import ProviderError
from .registry import Registry
from .repository import Repository
from .routing import under
from .stores import Store
from .stores.base import Ring

if TYPE_CHECKING:  # the rules' kit and the route table build on this module
    from .checks import Rule
    from .routes import Routes

_PACKAGE = Path(__file__).resolve().parent.parent
#: The import package this project installs as (`provider_mocks`).
_ROOT = __name__.partition(".")[0]
#: Installed wheels carry the specs inside the package; a checkout has them at the top.
SPEC_DIRS = (_PACKAGE / "specs", _PACKAGE.parent / "specs")


class Strict(BaseModel):
    """Config and admin bodies: unknown keys are an error, not silently ignored.

    The models of admin bodies and fault rules, which most runs never see, are declared
    with `defer_build=True`: their validators are built on first use, not on every start.
    """

    model_config = ConfigDict(extra="forbid")


class ProviderConfig(Strict):
    """The part of the TOML config every provider shares.

    `demo = false` drops the demo credentials; `messages` replaces the text of
    any code (keys are codes as strings), for the [decided] messages above all.
    Subclasses add `settings` (the [decided] knobs) and credential lists.
    """

    demo: bool = True
    messages: dict[str, str] = Field(default_factory=dict)
    settings: Strict


C = TypeVar("C", bound=ProviderConfig)
B = TypeVar("B", bound=BaseModel)


class Shown(Protocol):
    """A demo credential: what the startup banner and the admin API show of it."""

    def shown(self) -> dict[str, Any]: ...


S = TypeVar("S", bound=Shown)
#: A stored credential of any kind (an app, a tenant, ...).
T = TypeVar("T")


def as_configured(
    demos: Mapping[str, tuple[S, str]], configured: Iterable[S], ident: str
) -> Iterator[tuple[str, S, str]]:
    """Each demo credential (role -> (credential, note)) as (role, credential, note), the
    credential replaced by the configured one with the same `ident` field, if there is one."""
    by_ident = {getattr(credential, ident): credential for credential in configured}
    for role, (demo, note) in demos.items():
        yield role, by_ident.get(getattr(demo, ident), demo), note


def text_key(code: int | str, operation: str) -> str:
    """The `messages` key of a code's own text on one operation (`"10009.aksk"`): one code may
    read differently per endpoint. A key that already names a variant is kept as it is."""
    return str(code) if "." in str(code) else f"{code}.{operation}"


#: Seconds a token's record outlives the token, so the audit tells a late call from a forged one.
RETAIN = 86400


class Records(Generic[B]):
    """A model's stored `kind` records, read as `record` models, as a class attribute:
    `_apps = Records("app", App)` makes `self._apps` the repository of `<slug>:app:<id>`, made
    once per model; `what` (default: `kind`) names one in the admin API's refusals.

    `read_mostly`: records that nearly every request reads and only the admin API writes (a
    credential), which a store whose reads are round trips serves from a copy (`Store.read_mostly`).
    """

    def __init__(
        self, kind: str, record: type[B], what: str | None = None, *, read_mostly: bool = False
    ) -> None:
        self.kind, self.record, self.what = kind, record, what or kind
        self.read_mostly = read_mostly

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, model: None, owner: type) -> Records[B]: ...

    @overload
    def __get__(self, model: ProviderModel[Any], owner: type) -> Repository[B]: ...

    def __get__(self, model: ProviderModel[Any] | None, owner: type) -> Records[B] | Repository[B]:
        if model is None:
            return self
        found = Repository(model.store, model.key(self.kind, ""), self.what, self.record)
        model.__dict__[self.name] = found  # looked up there from now on
        return found


@dataclass(frozen=True)
class Window:
    """A window of `seconds` a call went past the `limit` of: when it `ends`, how many seconds are `left`."""

    seconds: int
    limit: int
    ends: float
    left: float


@dataclass(frozen=True)
class RenewalWindow:
    """When a provider expects a token to be renewed, which the timeline shades on each token:
    from `start` to `end` seconds after its `anchor`, the token's expiry (negative: before it,
    Feishu's 30 minutes; after it, Sugon's 24 h to renew), or the fetch that overwrote it (the
    overlap the old token still works: it is cut at its end). A provider declares its own in
    `ProviderModel.renewal_window`, from its settings."""

    label: str
    start: float
    end: float
    anchor: Literal["expiry", "overwrite"] = "expiry"


class ProviderModel(ABC, Generic[C]):
    """A provider's rules. All state is in the store under `<slug>:`, all time from the clock."""

    slug: ClassVar[str]
    #: The config class the model is generic in (`ProviderModel[AtripConfig]`), set from it.
    config_type: ClassVar[type[ProviderConfig]]
    #: code -> documented (or decided) message: the one place each text lives.
    MESSAGES: ClassVar[Mapping[int | str, str]]
    #: Store keys besides its read-mostly records that nearly every request reads and few write
    #: (a signing key): see `Records`.
    READ_MOSTLY: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is ProviderModel and isinstance(config := get_args(base)[0], type):
                cls.config_type = config

    def __init__(self, config: C, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.messages = {str(code): text for code, text in self.MESSAGES.items()} | config.messages
        kinds = (
            found.kind
            for owner in type(self).__mro__
            for found in vars(owner).values()
            if isinstance(found, Records) and found.read_mostly
        )
        store.read_mostly(*self.READ_MOSTLY, *(self.key(kind, "") for kind in kinds))

    def key(self, *parts: object) -> str:
        return ":".join((self.slug, *map(str, parts)))

    def over_limit(self, counter: Iterable[object], windows: Iterable[tuple[int, int]]) -> Window | None:
        """Count one call under `counter` (the key's parts) in each fixed window, aligned to the
        epoch on the virtual clock, of `(seconds, limit)`: the first window the call is past its
        limit in, or None. Exact under concurrency and across workers: each count is `Store.incr`."""
        now = self.clock.time()
        for size, limit in windows:
            n = int(now // size)
            ends = (n + 1) * size
            if self.store.incr(self.key("calls", *counter, size, n), limit=limit, expires_at=ends) is None:
                return Window(size, limit, ends, ends - now)
        return None

    def trace(self, key: str, record: dict[str, Any], *, retain: float = RETAIN) -> None:
        """Write a token's record under `key`, for `retain` past its `expires_at`, as the newest
        of the provider's ring of the last `token_trace`: records that churn leaves stay bounded.

        Nobody needs its answer: on Redis it goes with the request's next call (`Store.later`)."""
        expires_at = record["expires_at"] + retain
        self.store.later(Ring(self.key("trace"), key, record, self.store.token_trace, expires_at))

    def traced(self, limit: int | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """The records in the trace, newest first, from its `limit` newest (all without one)."""
        ring = self.store.newest_in_ring(self.key("trace"), size=self.store.token_trace, limit=limit)
        for key, record in ring:
            yield key, cast("dict[str, Any]", record)

    def current_tokens(
        self, current: Repository[Any], token: str, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """`live_tokens` where each credential's one live token is a record of `current` under the
        credential's id, with the token in its `token` field and an `expires_at`, and none is
        replaced before it expires (so none is traced)."""
        now = self.clock.time()
        listed = (
            {
                "token": getattr(live, token),
                "credential": credential,
                "seconds_left": live.expires_at - now,
                "valid": True,
            }
            for credential, live in current.items()
            if now < live.expires_at
        )
        return list(islice(listed, limit))

    def listed_tokens(self, records: Repository[Any], name: str) -> list[dict[str, Any]]:
        """The admin API's listing of `records`, tokens whose records have an `expires_at` and a
        `valid_until` (earlier once replaced): each unexpired one, the token under `name`, with
        whether it still works and its seconds left."""
        now = self.clock.time()
        return [
            {
                name: token,
                **record.model_dump(),
                "valid": now < record.valid_until,
                "seconds_left": max(0.0, record.valid_until - now),
            }
            for token, record in records.items()
            if now < record.expires_at
        ]

    def newest_tokens(
        self,
        current: Iterable[tuple[str, Any]],
        record: type[BaseModel],
        credential: str,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """`live_tokens` where the credentials' current tokens, given with their records (None: gone),
        come first, then the newest of the trace, `record`s each; a record names its credential in
        its field `credential` and has an `expires_at` and a `valid_until` (earlier once replaced)."""
        now = self.clock.time()
        traced = ((key.rpartition(":")[2], record.model_validate(found)) for key, found in self.traced(limit))
        listed = (
            {
                "token": token,
                "credential": getattr(found, credential),
                "seconds_left": max(0.0, found.valid_until - now),
                "valid": now < found.valid_until,
            }
            for token, found in chain(current, traced)
            if found is not None and now < found.expires_at
        )
        return list(islice(listed, limit))

    def renewal_window(self) -> RenewalWindow | None:
        """The window the timeline shades on each of its tokens, if the provider has one."""
        return None

    def message(self, code: int | str, operation: str | None = None) -> str:
        """The code's text: its own text on `operation` where it has one there, else the code's."""
        if operation is not None and (own := self.messages.get(text_key(code, operation))) is not None:
            return own
        return self.messages[str(code)]

    def error_message(self, error: ProviderError, operation: str | None = None) -> str:
        """The error's own detail, else its code's message (on `operation`, where it has one)."""
        return error.detail if error.detail is not None else self.message(error.code, operation)

    def reset(self) -> None:
        """Drop this provider's state and write its configured credentials again."""
        for key, _ in list(self.store.scan(self.slug + ":")):
            self.store.delete(key)
        self.seed()

    def settings(self) -> dict[str, Any]:
        return self.config.settings.model_dump()

    def http_error(self, status: int) -> ProviderError:
        """The provider's answer to an HTTP-level failure (405, 413, ...) on its paths."""
        return ProviderError(status, http_status=status)

    @abstractmethod
    def seed(self) -> None:
        """Write the demo and configured credentials to the store."""

    @abstractmethod
    def fresh_credentials(self) -> dict[str, Any]:
        """New credentials sharing no state (limits, tokens) with any others: one test's own."""

    @abstractmethod
    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Unexpired tokens for the dashboard: `token`, `credential`, `seconds_left`, `valid`.

        Each credential's current tokens come first, then the newest of the trace; `limit`
        bounds what is read as well as what is listed, so a poll costs the same after any churn."""

    def seeded(self, demos: Iterable[tuple[T, str]], configured: Iterable[T]) -> list[T]:
        """What `seed` writes of one kind: the demo `(credential, note)`s' credentials, unless
        `demo = false`, then the configured ones (which replace a demo one of the same id)."""
        return [credential for credential, _ in demos if self.config.demo] + list(configured)

    def demo_credentials(self) -> dict[str, Any]:
        """The credentials printed at startup and shown by the admin API: the demo ones as
        configured (a configured credential may have replaced one), each with its note."""
        if not self.config.demo:
            return {}
        return {role: {**credential.shown(), "note": note} for role, credential, note in self.demo_entries()}

    def audit_credential(self, shown: dict[str, Any]) -> str:
        """The id the audit knows a credential (as `shown`) by: its first field (appId, clientId, ...)."""
        return str(next(iter(shown.values())))

    @abstractmethod
    def demo_entries(self) -> Iterable[tuple[str, Shown, str]]:
        """The demo credentials as (role, credential as configured, note): see `as_configured`."""


@dataclass(frozen=True)
class Outgoing:
    """A request about to be sent again with another credential's values in it (drift's
    stand-ins): what a provider's `sign_again` reads and changes."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


#: A provider's way to sign a request again with a credential (as its demo credentials list
#: it), for a recorded request whose signature was made with a secret nobody has.
SignAgain = Callable[[Outgoing, Mapping[str, Any]], Outgoing]


@dataclass(frozen=True)
class Provider:
    """A provider package's parts, as the app factory mounts them: built from the package by
    `of_package`, or by hand."""

    slug: str
    title: str
    model: type[ProviderModel[Any]]
    #: Its real paths, declared through the kit's route table.
    routes: Routes[Any]
    admin: Blueprint
    #: URL path prefixes the provider owns; the first is its base path.
    prefixes: tuple[str, ...]
    #: The provider's real hosts, for interception.
    hosts: tuple[str, ...] = ()
    #: Query, form or header names that carry a request's credential id (fault rules match on it).
    credential_fields: tuple[str, ...] = ()
    #: The module of its contract cases: its `CASES`, and `prepare`, the fuzzing's hook if any.
    contracts: str | None = None
    #: Its own audit rules (its package's `rules.RULES`), besides those every provider shares.
    rules: Registry[Rule] | None = None
    #: Its OpenAPI document; None: `<slug>.yaml` among this project's specs.
    spec: Path | None = None
    #: How a signed request is signed again (its package's `signing.sign_again`), if any is.
    sign_again: SignAgain | None = None
    #: Its real paths are another provider's too (WeChat's and WeCom's `/cgi-bin/`): they are
    #: served under `/<slug>` (`mount`) only, and to a request whose Host is one of `hosts`.
    prefixed: bool = False

    @classmethod
    def of_package(
        cls,
        package: str,
        *,
        title: str,
        prefixes: tuple[str, ...],
        hosts: tuple[str, ...] = (),
        credential_fields: tuple[str, ...] = (),
        contracts: str | None = None,
        spec: Path | None = None,
        prefixed: bool = False,
    ) -> Provider:
        """The provider the package `package` is, its parts found by the roles of its modules:
        `routes.bp` (the route table, which names the slug and the model), `admin.bp`, and
        `rules.RULES` if it has a `rules` module, `signing.sign_again` if its `signing` module
        has one. Its contract cases are in
        `provider_mocks.contracts.providers.<slug>` for a provider of this project, else in its
        package's `contract` module if it has one, unless `contracts` names another module; its
        OpenAPI document is `<slug>.yaml` beside its modules if there is one, else among this
        project's specs, unless `spec` names one.

        `prefixed=True` serves its real paths under `/<slug>`, reached there or by its real
        hosts: for a provider whose paths another's share.

        A package calls it from its `__init__` with `__name__`: its modules import then, the
        package already being set up.
        """
        routes: Routes[Any] = importlib.import_module(f"{package}.routes").bp
        slug = routes.slug
        if contracts is None and package == f"{_ROOT}.providers.{slug}":
            contracts = f"{_ROOT}.contracts.providers.{slug}"
        elif contracts is None and importlib.util.find_spec(f"{package}.contract") is not None:
            contracts = f"{package}.contract"
        if spec is None:
            beside = Path(str(sys.modules[package].__file__)).with_name(f"{slug}.yaml")
            spec = beside if beside.is_file() else None
        has_rules = importlib.util.find_spec(f"{package}.rules") is not None
        has_signing = importlib.util.find_spec(f"{package}.signing") is not None
        return cls(
            slug=slug,
            title=title,
            model=routes.model_type,
            routes=routes,
            admin=importlib.import_module(f"{package}.admin").bp,
            prefixes=prefixes,
            hosts=hosts,
            credential_fields=credential_fields,
            contracts=contracts,
            rules=importlib.import_module(f"{package}.rules").RULES if has_rules else None,
            spec=spec,
            sign_again=getattr(importlib.import_module(f"{package}.signing"), "sign_again", None)
            if has_signing
            else None,
            prefixed=prefixed,
        )

    @property
    def mount(self) -> str:
        """Where its real paths are served: `/<slug>` for a prefixed provider, else the root."""
        return f"/{self.slug}" if self.prefixed else ""

    @property
    def base_path(self) -> str:
        return self.prefixes[0]

    def owns(self, path: str) -> bool:
        return any(under(path, prefix) for prefix in self.prefixes)

    @property
    def spec_path(self) -> Path:
        if self.spec is not None:
            return self.spec
        for folder in SPEC_DIRS:
            if (path := folder / f"{self.slug}.yaml").is_file():
                return path
        raise FileNotFoundError(f"no spec for provider {self.slug!r} in {SPEC_DIRS}")
