"""The `provider-mocks` command.

Each command imports what it uses when it runs, so that `serve` loads the app's
modules with the garbage collector paused (see `_serve`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import __version__
from .core.plugins import SLUGS

DEFAULT_PORT = 8700
#: The admin token's environment variable (`--admin-token` wins).
ADMIN_TOKEN_ENV = "PROVIDER_MOCKS_ADMIN_TOKEN"
#: gunicorn's and uvicorn's variable for the proxies to believe (`--forwarded-allow-ips` wins).
FORWARDED_ENV = "FORWARDED_ALLOW_IPS"
#: `verify --examples`: generated requests per operation and mode.
DEFAULT_EXAMPLES = 25

if TYPE_CHECKING:
    from flask import Flask

    from .contracts.report import Wording
    from .contracts.results import Result


def banner(app: Flask, url: str) -> str:
    """What `serve` prints: where it listens and every provider's demo credentials."""
    from .core.services import get_mocks

    mocks = get_mocks(app)
    lines = [
        f"provider-mocks {__version__} on {url}",
        f"  admin API: {url}/__admin/providers",
        f"  dashboard: {url}/__admin/",
        "",
    ]
    for slug, provider in mocks.providers.items():
        lines.append(f"{slug}: {provider.title}  {url}{provider.mount}{provider.base_path}")
        credentials = mocks.model(slug).demo_credentials()
        width = max(map(len, credentials), default=0)
        for role, fields in credentials.items():
            shown = "  ".join(f"{k}={v}" for k, v in fields.items() if k != "note")
            lines.append(f"  {role:<{width}} {shown}")
            if fields.get("note"):
                lines.append(f"  {'':<{width}} ({fields['note']})")
        lines.append("")
    lines.append("Ready. Press Ctrl+C to stop.")
    return "\n".join(lines)


def _error(message: str) -> int:
    print(f"provider-mocks: error: {message}", file=sys.stderr)
    return 2


def serve(args: argparse.Namespace) -> int:
    """One process (the default), or `--workers N` processes sharing one store.

    `--workers 1` keeps the state in its one worker's memory: nothing to share,
    so nothing to pay for sharing (the fastest way to serve on one machine).
    """
    store = args.store
    if args.workers is not None and args.workers < 1:
        return _error("--workers: give 1 or more")
    if args.threads < 1:
        return _error("--threads: give 1 or more")
    if (args.workers or 1) > 1 and store in ("memory", "memory://"):
        return _error(
            "--workers: the memory store is one process's own; leave --store out or give a shared one"
        )
    scratch = None
    if (args.workers or 1) > 1 and store is None:
        scratch = tempfile.mkdtemp(prefix="provider-mocks-")
        store = f"lmdb://{scratch}/state"
    try:
        return _serve(args, store)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _serve(args: argparse.Namespace, store: str | None) -> int:
    token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None
    # A start makes long-lived objects only (modules, classes, routes, the seeded state):
    # the cyclic garbage collector's passes over them free next to nothing and cost a tenth
    # of the start. It is paused while the app loads and is built; what was built is then
    # frozen, so that later passes skip it and forked workers keep sharing its memory pages
    # (the recipe of the `gc.freeze` documentation). Under load that matters most: a full
    # collection walking all of it was most of the tail latency.
    gc.disable()
    try:
        from .app import create_app
        from .core.config import MAX_TIMEOUT, ConfigError
        from .core.stores import StoreUnavailable

        for flag, seconds in (("header", args.header_timeout), ("body", args.body_timeout)):
            if seconds is not None and not 0 < seconds <= MAX_TIMEOUT:
                return _error(f"--{flag}-timeout: give more than 0 and at most {MAX_TIMEOUT:g} seconds")
        try:
            app = create_app(
                args.config,
                providers=args.provider or None,
                store=store,
                admin_token=token,
                forwarded_allow_ips=args.forwarded_allow_ips or os.environ.get(FORWARDED_ENV) or None,
                allowed_hosts=args.allowed_hosts,
            )
        except (ConfigError, ValueError) as exc:
            return _error(str(exc))
        except StoreUnavailable as exc:
            return _error(f"cannot reach the store: {exc}")
        if args.workers is not None:
            from .core.workers import pick_port, serve_workers, url_for  # and granian, before the freeze
        gc.freeze()
    finally:
        gc.enable()
    if args.quiet:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from .core.server import Limits, LiveServer

    limits = Limits.of(app, args.header_timeout, args.body_timeout)
    if args.workers is not None:
        from .core.services import get_mocks

        try:
            port = pick_port(args.host, args.port)
        except OSError as exc:
            return _error(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
        get_mocks(app).store.close()  # the workers open their own connections after the fork
        serve_workers(
            app,
            args.host,
            port,
            args.workers,
            limits=limits,
            threads=args.threads,
            quiet=args.quiet,
            ready=lambda: print(banner(app, url_for(args.host, port)), flush=True),
        )
        return 0
    try:
        server = LiveServer(app, args.host, args.port, limits)
    except OSError as exc:
        return _error(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    print(banner(app, server.url), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _report_problem(args: argparse.Namespace) -> str | None:
    """A --report or --junit-xml file of a kind that cannot be written."""
    from pathlib import Path

    for path, suffixes in ((args.report, (".md", ".html", ".htm")), (args.junit_xml, (".xml",))):
        if path and Path(path).suffix.lower() not in suffixes:
            return f"{path}: give a {' or '.join(suffixes)} file"
    return None


def verify(args: argparse.Namespace) -> int:
    """Run a provider's contract against a target, or check a cassette; exit 1 on any failure."""
    if problem := _report_problem(args):
        return _error(problem)
    if args.cassette is not None:
        return _verify_cassette(args)
    if args.provider is None:
        return _error("verify: give PROVIDER (only --cassette may leave it out)")
    return _verify_target(args)


def _verify_target(args: argparse.Namespace) -> int:
    import logging

    from .contracts.runner import run
    from .contracts.target import open_target
    from .core.config import ConfigError

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the in-process mock's access log is noise here
    examples = DEFAULT_EXAMPLES if args.examples is None else args.examples
    try:
        with open_target(args.provider, args.base_url, args.credentials) as target:
            print(
                f"Verifying {args.provider} at {target.base_url}"
                f"{' (mock admin API found)' if target.admin else ''}",
                flush=True,
            )
            results = run(target, fuzz_examples=examples, progress=_progress)
            where = target.base_url if args.base_url else f"provider-mocks {args.provider} (in-process)"
    except (ValueError, ConfigError) as exc:
        return _error(str(exc))
    return _reported(args, args.provider, where, results)


def _verify_cassette(args: argparse.Namespace) -> int:
    """The contract's checks on a cassette's recorded answers: offline, so nothing to reach or fill."""
    from .contracts.cassette import describe, provider_of, run
    from .drift.cassette import Cassette, CassetteError

    given = [flag for flag in ("base_url", "credentials", "examples") if getattr(args, flag) is not None]
    if given:
        flags = " and ".join(f"--{flag.replace('_', '-')}" for flag in given)
        return _error(f"--cassette: {flags} cannot go with it (a cassette is checked offline, nothing sent)")
    try:
        cassette = Cassette.read(args.cassette)
        provider = provider_of(cassette, args.provider)
    except (CassetteError, ValueError) as exc:
        return _error(str(exc))
    where = describe(cassette, args.cassette)
    print(f"Verifying {provider} as recorded in {where}", flush=True)
    try:
        results = run(cassette, provider, progress=_progress)
    except ValueError as exc:  # a spec schemathesis cannot read
        return _error(str(exc))
    return _reported(args, provider, where, results)


def _progress(result: Result, wording: Wording | None = None) -> None:
    """A result's line as it comes, marked as its report marks it (a verification's unless
    `wording` says), with its reason unless it passed."""
    from .contracts.report import VERIFY

    line = f"{(wording or VERIFY).marks[result.outcome]:<4}  {result.id}  {result.title}"
    print(line + (f"\n      {result.reason}" if result.outcome != "pass" else ""), flush=True)


def _reported(
    args: argparse.Namespace,
    provider: str,
    where: str,
    results: list[Result],
    wording: Wording | None = None,
) -> int:
    """The summary and the reports asked for (a verification's unless `wording` says); the exit
    status: 1 on any failure."""
    from pathlib import Path

    from .contracts import report

    wording = wording or report.VERIFY
    print(report.summary(results, wording))
    if args.report:
        report.write(args.report, provider, where, results, wording)
        print(f"report: {args.report}")
    if args.junit_xml:
        Path(args.junit_xml).write_text(report.junit_xml(provider, results), encoding="utf-8")
        print(f"JUnit XML: {args.junit_xml}")
    return 1 if any(r.outcome == "fail" for r in results) else 0


def audit(args: argparse.Namespace) -> int:
    """Print the violations a running mock has seen, and write the report asked for (its
    timeline, findings and the journal entries they name); exit 1 if any is an error."""
    from pathlib import Path

    import requests

    from .core.audit import describe
    from .core.checks import Violation
    from .core.report import page

    if args.report and Path(args.report).suffix.lower() not in (".html", ".htm"):
        return _error(f"{args.report}: give a .html or .htm file")
    base = args.base_url.rstrip("/")
    params = {"provider": args.provider} if args.provider else {}
    try:
        found = requests.get(f"{base}/__admin/violations", params=params, timeout=30)
        entries = requests.get(f"{base}/__admin/requests", params=params, timeout=30)
        found.raise_for_status()
        violations = [Violation.from_dict(v) for v in found.json()["violations"]]
        journal = entries.json()["requests"]
        if args.report:
            drawn = requests.get(f"{base}/__admin/timeline", params=params, timeout=30)
            drawn.raise_for_status()
            model = drawn.json()
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        print(
            f"provider-mocks: error: {base} is not a provider-mocks server with an admin API: {exc}",
            file=sys.stderr,
        )
        return 2
    print(describe(violations, journal))
    if args.report:
        Path(args.report).write_text(page(base, model, violations, journal), encoding="utf-8")
        print(f"report: {args.report}")
    return 1 if any(v.severity == "error" for v in violations) else 0


def record(args: argparse.Namespace) -> int:
    """Forward to a provider and write each exchange to a cassette, until Ctrl+C or SIGTERM.

    A signal only asks to stop: the server stops accepting, the exchanges in flight end and
    are written, and the file is closed before the summary is printed.
    """
    import logging
    import signal
    import threading
    from pathlib import Path

    from .core.plugins import load
    from .core.server import LiveServer
    from .drift.recorder import Handler, Recorder, Upstream

    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            upstream = Upstream.parse(args.upstream)
        except ValueError as exc:
            return _error(f"--upstream: {exc}")
        out = Path(args.out)
        existed = out.exists()
        if existed and not args.force:
            return _error(
                f"{out} exists, and a recording cannot go on with it (its aliases would not match): "
                "give another file, or --force to overwrite it"
            )
        try:
            providers = [] if args.provider else [load(slug) for slug in SLUGS]
            stream = out.open("w" if args.force else "x", encoding="utf-8")
        except ValueError as exc:
            return _error(str(exc))
        except OSError as exc:
            return _error(f"cannot write {out}: {exc.strerror}")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # an access line would show the secrets
        recorder = Recorder(upstream, stream, args.provider, providers)
        try:
            server = LiveServer(recorder.app, args.host, args.port, handler=Handler)
        except OSError as exc:
            stream.close()
            if not existed:
                out.unlink()
            return _error(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
        with server:
            print(
                f"provider-mocks record: listening on {server.url}, forwarding to {upstream.url}, "
                f"writing {out}",
                flush=True,
            )
            stop.wait()
        count = recorder.close()
        exchanges = f"{count} exchange{'' if count == 1 else 's'}"
        print(f"provider-mocks record: {exchanges} written to {out}", flush=True)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def drift(args: argparse.Namespace) -> int:
    """Replay a cassette on the mock and show where its answers differ; exit 1 on any drift."""
    import functools
    import logging

    from .contracts import report
    from .contracts.cassette import provider_of
    from .drift.cassette import Cassette, CassetteError
    from .drift.run import drift as replay

    if problem := _report_problem(args):
        return _error(problem)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        cassette = Cassette.read(args.cassette)
        provider = provider_of(cassette, args.provider, "--provider")
        where = args.base_url or f"provider-mocks {provider} (in-process)"
        print(f"Replaying {len(cassette.exchanges)} exchanges of {args.cassette} on {where}", flush=True)
        found = replay(cassette, provider, args.base_url, functools.partial(_progress, wording=report.DRIFT))
    except (CassetteError, ValueError) as exc:
        return _error(str(exc))
    for stand_in in found.stand_ins.values():
        print(stand_in)
    return _reported(args, provider, where, found.results, report.DRIFT)


def port(text: str) -> int:
    """A port number, as `--port` takes it: 0 (any free port) to 65535."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number: give 0 (any free port) to 65535"
        ) from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is no port: give 0 (any free port) to 65535")
    return number


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="provider-mocks", description=__doc__)
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the mocks at the providers' real paths")
    run.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    run.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help="port (default: %(default)s; 0: any free)"
    )
    run.add_argument(
        "--provider",
        action="append",
        choices=SLUGS,
        metavar="SLUG",
        help=f"serve only this provider (repeatable; default: all of {', '.join(SLUGS)})",
    )
    run.add_argument("--config", metavar="FILE", help="TOML file with credentials and settings")
    run.add_argument("--quiet", action="store_true", help="no access log")
    run.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="serve from N worker processes (granian): 1 keeps the state in memory, the fastest; more "
        "share one store (default: one process on werkzeug's server, state in memory)",
    )
    run.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="with --workers: Python threads per worker (default: %(default)s, the fastest; more let a "
        "delay fault hold one while the others answer)",
    )
    for what, where in (("header", "a request's line and headers"), ("body", "a request's body")):
        run.add_argument(
            f"--{what}-timeout",
            type=float,
            metavar="SECONDS",
            help=f"seconds a client has to send {where} before its connection is closed (default: "
            f"[server] {what}_timeout, else 5)",
        )
    run.add_argument(
        "--store",
        metavar="URL",
        help="where the state lives: memory (one process), lmdb:///PATH (processes on one machine; "
        "--workers makes a temporary one), sqlite:///PATH (processes on one machine, one file), "
        "redis://HOST:PORT/DB (instances on several machines)",
    )
    run.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help=f"lets clients on other machines use the admin API (Authorization: Bearer TOKEN); "
        f"default: ${ADMIN_TOKEN_ENV}; without one only loopback clients may",
    )
    run.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="comma-separated addresses or networks of reverse proxies whose Forwarded and "
        "X-Forwarded-Host/-Proto headers set the host and scheme of the URLs the mocks build; * for "
        f"all (default: ${FORWARDED_ENV}, else [server] forwarded_allow_ips, else 127.0.0.1,::1)",
    )
    run.add_argument(
        "--allowed-hosts",
        metavar="NAMES",
        help="comma-separated host names the admin API answers to besides localhost, *.localhost and "
        "IP addresses, e.g. the name other machines reach a 0.0.0.0 server by (default: [server] "
        "allowed_hosts); any other Host is refused, against DNS rebinding",
    )
    run.set_defaults(func=serve)

    check = commands.add_parser(
        "verify", help="check a server, or its recorded traffic, against a provider's documented contract"
    )
    check.add_argument(
        "provider",
        nargs="?",
        choices=SLUGS,
        metavar="PROVIDER",
        help=f"{', '.join(SLUGS)} (with --cassette: default the one it recorded)",
    )
    check.add_argument(
        "--base-url", metavar="URL", help="the server to verify (default: our mock, in-process)"
    )
    check.add_argument(
        "--cassette",
        metavar="FILE",
        help="check the answers recorded in a cassette instead of a server, offline",
    )
    check.add_argument(
        "--credentials", metavar="FILE", help="TOML credentials by role: [PROVIDER.ROLE] field = value"
    )
    check.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report")
    check.add_argument("--report", metavar="FILE", help="write a report for the provider (.html or .md)")
    check.add_argument(
        "--examples",
        type=int,
        metavar="N",
        help=f"generated requests per operation and mode (default: {DEFAULT_EXAMPLES}; 0: no property run)",
    )
    check.set_defaults(func=verify)

    report = commands.add_parser("audit", help="report how clients of a running mock broke documented rules")
    report.add_argument(
        "--base-url", required=True, metavar="URL", help="the running mock, e.g. http://127.0.0.1:8700"
    )
    report.add_argument("--provider", choices=SLUGS, metavar="PROVIDER", help="only this provider's clients")
    report.add_argument(
        "--report",
        metavar="FILE",
        help="write an HTML report: the timeline of each credential's tokens, the findings and the "
        "journal entries they name, in one self-contained file",
    )
    report.set_defaults(func=audit)

    tape = commands.add_parser(
        "record", help="forward to a provider and record its answers in a cassette, secrets aliased"
    )
    tape.add_argument(
        "--upstream", required=True, metavar="URL", help="the provider's base URL, e.g. https://api.scnet.cn"
    )
    tape.add_argument("--port", required=True, type=port, help="port to listen on (0: any free)")
    tape.add_argument("--out", required=True, metavar="FILE", help="the cassette to write (JSON Lines)")
    tape.add_argument(
        "--provider",
        choices=SLUGS,
        metavar="SLUG",
        help="the provider recorded, named in the cassette (default: the one whose paths the first "
        "request's path lies under)",
    )
    tape.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    tape.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    tape.set_defaults(func=record)

    differ = commands.add_parser(
        "drift", help="replay a recorded cassette on the mock and show where the answers differ"
    )
    differ.add_argument("cassette", metavar="FILE", help="a cassette written by provider-mocks record")
    differ.add_argument(
        "--provider", choices=SLUGS, metavar="SLUG", help="the provider recorded (default: the cassette's)"
    )
    differ.add_argument(
        "--base-url", metavar="URL", help="a running provider-mocks server (default: the mock, in-process)"
    )
    differ.add_argument("--report", metavar="FILE", help="write a report (.html or .md)")
    differ.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report")
    differ.set_defaults(func=drift)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
