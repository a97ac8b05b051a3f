"""The credential platform's rules: partners, apps, JWT access tokens, IP allow-lists, grants.

Store layout (all under `credential:`):
  partner:<id>          {"id", "name", "disabled"}
  app:<clientId>        {"client_id", "secret", "partner", "name", "disabled", "ip_allowlist", "grants"}
  token:<jti>           {"jti", "client_id", "access_token", "issued_at", "expires_at"}, for the
                        admin listing: in a ring of the last `token_trace` issued (ProviderModel.trace)
  current:<clientId>    the jti of the app's newest token (read only with `overwrite_previous`)
  jti-key               the key that marks this state's tokens, drawn anew at each reset

A token needs no record to be checked: its jti is a nonce and an HMAC, under `jti-key`,
of the nonce and the token's subject and times. A token this state issued is known by
its jti for RETAIN after it expires (the audit tells a late call from a forged one),
however many were issued since; one from before a reset, or forged, is unknown.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from ...core.addresses import Allowlist, ip_allowed
from ...core.audit import note, note_replaced
from ...core.demo import drawn
from ...core.errors import ProviderError
from ...core.provider import RETAIN, ProviderConfig, ProviderModel, Records, Strict, as_configured
from . import errors

#: Hex digits of a jti's tag (80 bits); the 12 before them are the nonce.
JTI_TAG = 20

PREFIX = "/openapi"
TOKEN_PATH = "/openapi/auth/credential"
DEMO_ECHO = "/openapi/demo/echo"
DEMO_APIS = [DEMO_ECHO]
#: The only user type the documentation knows (固定参数字符串 2) [doc].
USER_TYPE = "2"
ALGORITHM = "HS256"
#: Claims every token of the mock carries; a token without one is not the mock's.
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti"]


class Settings(Strict):
    """The [decided] knobs (the lifetime is documented, and configurable too)."""

    token_lifetime: int = Field(default=7200, gt=0, description="seconds a token lives [doc: 2 h]")
    signing_key: str = Field(
        default="provider-mocks credential HS256 signing key",
        min_length=32,
        description="the HS256 key of the tokens (32 characters or more)",
    )
    overwrite_previous: bool = Field(
        default=False, description="a new token invalidates the app's older ones"
    )
    check_ip_on_token: bool = Field(
        default=True, description="the IP allow-list applies to token fetches, not only business calls"
    )
    track_id_key: Literal["_trackId", "trackId"] = Field(
        default="_trackId",
        description="the envelope's track-id key: captured `_trackId` or the doc's `trackId`",
    )
    require_request_id: bool = Field(
        default=False,
        description="a business call without a Request-Id answers 10131, as the doc's table reads "
        "(default: answered, as the provider's own demo sends none; the audit warns)",
    )


def _path(path: str) -> str:
    if not path.startswith(PREFIX + "/"):
        raise ValueError(f"{path!r} is not an API path under {PREFIX}/")
    return path


#: API paths under /openapi/ the app may call.
Grants = list[Annotated[str, AfterValidator(_path)]]


class Partner(Strict):
    id: str = Field(default_factory=lambda: "partner-" + secrets.token_hex(4), min_length=1)
    name: str = ""
    disabled: bool = False


class App(Strict):
    client_id: str = Field(default_factory=lambda: secrets.token_hex(8), min_length=1)
    secret: str = Field(default_factory=lambda: secrets.token_hex(16), min_length=1)
    #: None when created through the admin API: a fresh partner of its own.
    partner: str | None = None
    name: str = ""
    disabled: bool = False
    ip_allowlist: Allowlist = Field(default_factory=list)
    grants: Grants = Field(default_factory=lambda: list(DEMO_APIS))

    def shown(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "secret": self.secret, "partner": self.partner}


class TokenRecord(Strict):
    """An issued token, kept for the admin listing and the audit. Its times are the JWT's:
    whole seconds."""

    jti: str
    client_id: str
    access_token: str
    issued_at: int
    expires_at: int


class PartnerChange(Strict, defer_build=True):
    name: str | None = None
    disabled: bool | None = None


class AppChange(Strict, defer_build=True):
    secret: str | None = Field(default=None, min_length=1)
    name: str | None = None
    disabled: bool | None = None
    ip_allowlist: Allowlist | None = None
    grants: Grants | None = None


class CredentialConfig(ProviderConfig):
    settings: Settings = Settings()
    partners: list[Partner] = Field(default_factory=list)
    apps: list[App] = Field(default_factory=list)

    @model_validator(mode="after")
    def _apps_have_partners(self) -> CredentialConfig:
        known = {p.id for p in self.partners} | ({p.id for p, _ in demo_set()[0]} if self.demo else set())
        for app in self.apps:
            if app.partner not in known:
                raise ValueError(
                    f"app {app.client_id!r} names partner {app.partner!r}, which is not configured"
                )
        return self


@drawn("credential")
def demo_set(fake: Any) -> tuple[list[tuple[Partner, str]], dict[str, tuple[App, str]]]:
    """The demo partners, active and disabled, and apps, each app one documented case."""
    active = Partner(id="partner-demo", name=fake.company())
    disabled = Partner(id="partner-disabled", name=fake.company(), disabled=True)

    def app(partner: Partner, **extra: Any) -> App:
        return App(
            client_id=fake.hexify("^" * 16),
            secret=fake.hexify("^" * 32),
            partner=partner.id,
            name=fake.company_prefix() + "应用",
            **extra,
        )

    apps = {
        "demo": (app(active), "granted the echo API"),
        "disabled": (app(active, disabled=True), "disabled: token fetch answers 10103"),
        "partner_off": (app(disabled), "its partner is disabled: token fetch answers 10104"),
        "ip_limited": (
            app(active, ip_allowlist=["203.0.113.0/24"]),
            "allows 203.0.113.0/24 only: from loopback, token fetch answers 10106",
        ),
        "not_granted": (app(active, grants=[]), "granted no API: the echo answers 10133"),
    }
    partners = [(active, "an active partner"), (disabled, "a disabled partner")]
    return partners, apps


class CredentialModel(ProviderModel[CredentialConfig]):
    slug = "credential"
    MESSAGES = errors.MESSAGES

    # -- credentials -------------------------------------------------------

    def seed(self) -> None:
        self.store.set(self.key("jti-key"), secrets.token_hex(16))
        partners, apps = demo_set()
        for partner in self.seeded(partners, self.config.partners):
            self._partners.put(partner.id, partner)
        for app in self.seeded(apps.values(), self.config.apps):
            self._apps.put(app.client_id, app)

    def demo_entries(self) -> Iterator[tuple[str, App, str]]:
        """A config app may have replaced a demo one's secret or partner."""
        return as_configured(demo_set()[1], self.config.apps, "client_id")

    _partners = Records("partner", Partner, read_mostly=True)
    _apps = Records("app", App, read_mostly=True)
    _tokens = Records("token", TokenRecord)

    def partners(self) -> list[Partner]:
        return self._partners.list()

    def partner(self, partner_id: str) -> Partner:
        return self._partners.get(partner_id)

    def create_partner(self, partner: Partner) -> Partner:
        return self._partners.create(partner.id, partner)

    def update_partner(self, partner_id: str, change: PartnerChange) -> Partner:
        """Change a partner; a field sent as null is left as it is."""
        return self._partners.update(partner_id, change, exclude_none=True)

    def apps(self) -> list[App]:
        return self._apps.list()

    def app(self, client_id: str) -> App:
        return self._apps.get(client_id)

    def create_app(self, app: App) -> App:
        """Create an app; without a partner it gets a fresh one, made once the app exists."""
        own_partner = Partner(name=app.name) if app.partner is None else None
        if own_partner is not None:
            app.partner = own_partner.id
        else:
            self.partner(str(app.partner))
        created = self._apps.create(app.client_id, app)
        if own_partner is not None:
            self.create_partner(own_partner)
        return created

    def update_app(self, client_id: str, change: AppChange) -> App:
        """Change an app; a field sent as null is left as it is. Issued tokens stay valid."""
        return self._apps.update(client_id, change, exclude_none=True)

    def fresh_credentials(self) -> dict[str, Any]:
        app = self.create_app(App())
        return app.shown()

    def tokens(self) -> list[dict[str, Any]]:
        """Unexpired tokens with their seconds left on the virtual clock."""
        now = self.clock.time()
        listed = []
        for record in self._tokens.list():
            if now >= record.expires_at:
                continue
            valid = not self._overwritten(record.client_id, record.jti)
            listed.append(
                {
                    **record.model_dump(),
                    "valid": valid,
                    "seconds_left": max(0.0, record.expires_at - now) if valid else 0,
                }
            )
        return listed

    def live_tokens(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest issued: every token goes into the trace as it is issued."""
        now = self.clock.time()
        listed = []
        for _, traced in self.traced(limit):
            record = TokenRecord.model_validate(traced)
            if now < record.expires_at:
                valid = not self._overwritten(record.client_id, record.jti)
                listed.append(
                    {
                        "token": record.access_token,
                        "credential": record.client_id,
                        "seconds_left": max(0.0, record.expires_at - now) if valid else 0,
                        "valid": valid,
                    }
                )
        return listed

    # -- the documented rules ----------------------------------------------

    def _overwritten(self, client_id: str, jti: str) -> bool:
        """With `overwrite_previous`, every token but the app's newest is dead."""
        if not self.config.settings.overwrite_previous:
            return False
        newest: str | None = self.store.get(self.key("current", client_id))
        return newest != jti

    def _jti_key(self) -> bytes:
        """The key of this state's jti tags (drawn here if the store lost it)."""
        key = self.key("jti-key")
        found = self.store.get(key)
        if found is None:
            self.store.compare_and_set(key, None, secrets.token_hex(16))
            found = self.store.get(key)
        return str(found).encode()

    def _jti(self, nonce: str, client_id: str, issued_at: int, expires_at: int) -> str:
        """A nonce and its tag: only this state can make one for these claims."""
        signed = f"{nonce}|{client_id}|{issued_at}|{expires_at}".encode()
        return nonce + hmac.new(self._jti_key(), signed, "sha256").hexdigest()[:JTI_TAG]

    def _issued(self, claims: dict[str, Any]) -> bool:
        """Whether this state issued a token with these claims, and RETAIN has not passed since it expired."""
        jti, sub, iat, exp = (claims.get(name) for name in ("jti", "sub", "iat", "exp"))
        if not (isinstance(jti, str) and isinstance(sub, str) and type(iat) is int and type(exp) is int):
            return False
        nonce = jti[:-JTI_TAG]
        return hmac.compare_digest(jti, self._jti(nonce, sub, iat, exp)) and self.clock.time() < exp + RETAIN

    def _usable(self, app: App, remote: str | None, *, check_ip: bool) -> None:
        """The app and its partner are enabled, and the client's address is allowed."""
        if app.disabled:
            raise ProviderError(errors.APP_DISABLED)
        partner = self._partners.find(str(app.partner))
        if partner is None or partner.disabled:
            raise ProviderError(errors.PARTNER_DISABLED)
        if check_ip and not ip_allowed(remote, app.ip_allowlist):
            raise ProviderError(errors.IP_REFUSED)

    def issue_token(
        self, client_id: str, secret: str, user_type: str, remote: str | None, sender: str | None = None
    ) -> str:
        """A signed JWT for the app, after every documented check, in the order they are listed.

        `sender` is the clientId a request names where the platform does not read it (a JSON
        body): only the audit hears of it, so the client's mistake is reported as its own.
        """
        import jwt  # loaded on first use: it costs a start 8 ms

        note(kind="fetch", credential=client_id or sender or None)
        if not client_id or not secret or user_type != USER_TYPE:
            raise ProviderError(errors.MISSING_PARAMETERS)
        app = self._apps.find(client_id)
        if app is None:
            raise ProviderError(errors.UNKNOWN_CLIENT)
        if not hmac.compare_digest(app.secret.encode(), secret.encode()):
            raise ProviderError(errors.WRONG_SECRET)
        self._usable(app, remote, check_ip=self.config.settings.check_ip_on_token)

        settings = self.config.settings
        issued_at = math.floor(self.clock.time())  # JWT times are whole seconds
        expires_at = issued_at + settings.token_lifetime
        jti = self._jti(secrets.token_hex(6), client_id, issued_at, expires_at)
        claims = {
            "sub": client_id,
            "partnerId": app.partner,
            "userType": USER_TYPE,
            "iat": issued_at,
            "exp": expires_at,
            "jti": jti,
        }
        token = jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM)
        record = TokenRecord(
            jti=jti, client_id=client_id, access_token=token, issued_at=issued_at, expires_at=expires_at
        )
        with self.store.atomic():  # the token it replaces is the one current when it became current
            self.trace(self.key("token", jti), record.model_dump())
            previous = self.store.get(self.key("current", client_id))
            held = self._tokens.find(previous) if previous else None
            self.store.set(self.key("current", client_id), jti, expires_at=expires_at)
        note(token=token, expires=expires_at)
        if (
            held is not None
            and not self._overwritten(held.client_id, held.jti)
            and self.clock.time() < held.expires_at
        ):
            note(overwrites=held.access_token)
            note_replaced(
                held.access_token, held.expires_at - self.clock.time(), held.expires_at - held.issued_at
            )
        return token

    def _holder(self, token: str | None) -> str | None:
        """The app a token of this mock was issued to, for the audit alone (None: not one of ours)."""
        import jwt  # loaded on first use: it costs a start 8 ms

        if not token:
            return None
        try:
            claims = jwt.decode(
                token,
                self.config.settings.signing_key,
                algorithms=[ALGORITHM],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except (jwt.InvalidTokenError, ValueError):
            return None
        return str(claims["sub"]) if self._issued(claims) else None

    def _claims(self, token: str) -> dict[str, Any]:
        """The claims of a token this mock signed; expiry is checked by the caller, on the virtual clock."""
        import jwt  # loaded on first use: it costs a start 8 ms

        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.config.settings.signing_key,
                algorithms=[ALGORITHM],
                # PyJWT's time checks read the real clock: they are off, the model checks `exp`.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": REQUIRED_CLAIMS,
                },
            )
        except (jwt.InvalidTokenError, ValueError) as exc:
            note(token_state="unknown")
            raise ProviderError(errors.TOKEN_INVALID) from exc
        return claims

    def authorize(self, token: str | None, request_id: str | None, api: str, remote: str | None) -> App:
        """The app behind a live token, allowed to call `api` from `remote`.

        A missing Request-Id is answered unless `require_request_id`: the doc's table asks for
        one, but the provider's own Java demo sends none [public]; the audit warns. A repeated
        one is answered like any other (the journal keeps every call).
        """
        note(kind="call", token=token, request_id=request_id)
        if not token or (not request_id and self.config.settings.require_request_id):
            note(token_state="missing" if not token else "valid", credential=self._holder(token))
            raise ProviderError(errors.MISSING_PARAMETERS)
        claims = self._claims(token)
        if not self._issued(claims):
            note(token_state="unknown")
            raise ProviderError(errors.TOKEN_INVALID)
        client_id: str = claims["sub"]
        note(credential=client_id)
        if self.clock.time() >= claims["exp"] or self._overwritten(client_id, claims["jti"]):
            note(token_state="expired" if self.clock.time() >= claims["exp"] else "overwritten")
            raise ProviderError(errors.TOKEN_INVALID)
        note(token_state="valid")
        app = self._apps.find(client_id)
        if app is None:
            raise ProviderError(errors.TOKEN_INVALID)
        self._usable(app, remote, check_ip=True)
        if api not in app.grants:
            raise ProviderError(errors.NOT_GRANTED)
        return app

    # -- failures ----------------------------------------------------------

    def http_error(self, status: int) -> ProviderError:
        """HTTP failures keep their status; a crash is the decided code 500 in an HTTP 200."""
        if status >= 500:
            return ProviderError(errors.SYSTEM_ERROR)
        return ProviderError(status if str(status) in self.messages else 400, http_status=status)
