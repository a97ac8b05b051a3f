"""URL rules that compile their URL builders when first asked to build a URL, and paths
read as the providers' servlet containers read them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .provider import Provider

_SLASHES = re.compile(r"//+")
#: The characters a path segment's name is made of (RFC 3986's unreserved ones).
_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

Builder = Callable[..., tuple[str, str]]


def merged_slashes(path: str) -> str:
    """`path` with its runs of slashes read as one, as the providers' servers read them (`MergeSlashes`)."""
    return _SLASHES.sub("/", path)


def under(path: str, prefix: str) -> bool:
    """`path` is `prefix` or lies under it: what follows does not go on with the prefix's last name.

    `/ac/x`, `/ac;jsessionid=1` and `/getAtripToken.do%FF` (an undecodable byte, read as
    U+FFFD) are under `/ac` and `/getAtripToken.do`, so they answer in that provider's
    envelope; `/acme` and `/getAtripToken.dox` name something else.
    """
    base = prefix.rstrip("/")
    return path.startswith(base) and (len(path) == len(base) or path[len(base)] not in _NAME)


class LazyRule(Rule):
    """A rule whose URL builders are compiled on first use, not when the rule is added.

    Werkzeug compiles two builders per rule (an AST, then `compile`) as it adds the
    rule: four fifths of building the app, for URLs the mocks never build (they match
    requests; nothing calls `url_for`). Matching is untouched.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Builder:
        compile_builder = super()._compile_builder
        compiled: Builder | None = None

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(append_unknown)
            return compiled(rule, **values)

        return build


class MergeSlashes:
    """WSGI middleware: runs of slashes in a path read as one, as Tomcat reads them.

    Some clients join a base URL ending in `/` to a path starting with one (a public Go
    SDK of SCNet requests `//ac/openapi/v2/tokens`). The providers' Java servers answer
    such a path as the single-slash one; werkzeug would redirect it (an HTML 308) or, for a
    leading `//`, not find the provider at all.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ["PATH_INFO"] = merged_slashes(path)
        return self.app(environ, start_response)


def host_name(environ: WSGIEnvironment) -> str:
    """The request's host name, lower-cased, without its port (`[::1]` keeps its brackets)."""
    host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").lower()
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and not host.endswith("]") else host


#: Where `ProviderRouting` leaves the prefixed provider a request is for.
MOUNTED = "provider_mocks.mounted"


class ProviderRouting:
    """WSGI middleware: every provider is reached under `/<slug>` as well as at its real paths,
    and a prefixed provider (whose real paths another's share: WeChat's and WeCom's
    `/cgi-bin/`) there and by its real hosts only.

    `/<slug>/PATH` (PATH one of the provider's own paths) goes to PATH, `/<slug>` moved to
    SCRIPT_NAME, so the provider sees its real path and a link it builds from the request keeps
    the prefix. A request for a prefixed provider, by its prefix or on one of its paths with a
    Host that is one of its hosts, is marked (`MOUNTED`): its routes are matched under its mount
    (`MockApp`).
    """

    def __init__(self, app: WSGIApplication, providers: Iterable[Provider]) -> None:
        self.app = app
        providers = list(providers)
        self.by_slug = {provider.slug: provider for provider in providers}
        self.by_host = {
            host.lower(): provider for provider in providers if provider.prefixed for host in provider.hosts
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        first, slash, rest = path[1:].partition("/")
        provider = self.by_slug.get(first)
        if provider is not None and (provider.prefixed or provider.owns(slash + rest)):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/{first}"
            environ["PATH_INFO"] = slash + rest
        elif self.by_host:  # by its host, on one of its own paths (the admin API, say, is nobody's)
            provider = self.by_host.get(host_name(environ))
            provider = provider if provider is not None and provider.owns(path) else None
        else:
            provider = None
        if provider is not None and provider.prefixed:
            environ[MOUNTED] = provider
        return self.app(environ, start_response)
