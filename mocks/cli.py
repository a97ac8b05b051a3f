"""The `provider-mocks` command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from .app import create_app
from .core.config import ConfigError
from .core.server import LiveServer
from .core.services import get_mocks
from .providers import SLUGS

DEFAULT_PORT = 8700

if TYPE_CHECKING:
    from contracts.results import Result


def banner(app: Flask, url: str) -> str:
    """What `serve` prints: where it listens and every provider's demo credentials."""
    mocks = get_mocks(app)
    lines = [
        f"provider-mocks {version('provider-mocks')} on {url}",
        f"  admin API: {url}/__admin/providers",
        f"  dashboard: {url}/__admin/",
        "",
    ]
    for slug, provider in mocks.providers.items():
        lines.append(f"{slug}: {provider.title}  {url}{provider.base_path}")
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


def serve(args: argparse.Namespace) -> int:
    try:
        app = create_app(args.config, providers=args.provider or None)
    except ConfigError as exc:
        print(f"provider-mocks: error: {exc}", file=sys.stderr)
        return 2
    try:
        server = LiveServer(app, args.host, args.port)
    except OSError as exc:
        print(
            f"provider-mocks: error: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(banner(app, server.url), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def verify(args: argparse.Namespace) -> int:
    """Run a provider's contract against a target; exit 1 on any failure."""
    from contracts import report
    from contracts.runner import run
    from contracts.target import open_target

    for path, suffixes in ((args.report, (".md", ".html", ".htm")), (args.junit_xml, (".xml",))):
        if path and Path(path).suffix.lower() not in suffixes:
            print(f"provider-mocks: error: {path}: give a {' or '.join(suffixes)} file", file=sys.stderr)
            return 2
    marks = {"pass": "pass", "fail": "FAIL", "n/a": "n/a "}
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the in-process mock's access log is noise here

    def progress(result: Result) -> None:
        line = f"{marks[result.outcome]}  {result.id}  {result.title}"
        print(line + (f"\n      {result.reason}" if result.outcome != "pass" else ""), flush=True)

    try:
        with open_target(args.provider, args.base_url, args.credentials) as target:
            print(
                f"Verifying {args.provider} at {target.base_url}"
                f"{' (mock admin API found)' if target.admin else ''}",
                flush=True,
            )
            results = run(target, fuzz_examples=args.examples, progress=progress)
            where = target.base_url if args.base_url else f"provider-mocks {args.provider} (in-process)"
    except (ValueError, ConfigError) as exc:
        print(f"provider-mocks: error: {exc}", file=sys.stderr)
        return 2
    print(report.summary(results))
    if args.report:
        report.write(args.report, args.provider, where, results)
        print(f"report: {args.report}")
    if args.junit_xml:
        Path(args.junit_xml).write_text(report.junit_xml(args.provider, results), encoding="utf-8")
        print(f"JUnit XML: {args.junit_xml}")
    return 1 if any(r.outcome == "fail" for r in results) else 0


def audit(args: argparse.Namespace) -> int:
    """Print the violations a running mock has seen; exit 1 if any is an error."""
    import requests

    from .core.audit import Violation, describe

    base = args.base_url.rstrip("/")
    params = {"provider": args.provider} if args.provider else {}
    try:
        found = requests.get(f"{base}/__admin/violations", params=params, timeout=30)
        entries = requests.get(f"{base}/__admin/requests", params=params, timeout=30)
        found.raise_for_status()
        violations = [Violation.from_dict(v) for v in found.json()["violations"]]
        journal = entries.json()["requests"]
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        print(
            f"provider-mocks: error: {base} is not a provider-mocks server with an admin API: {exc}",
            file=sys.stderr,
        )
        return 2
    print(describe(violations, journal))
    return 1 if any(v.severity == "error" for v in violations) else 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="provider-mocks", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the mocks at the providers' real paths")
    run.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    run.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s; 0: any free)"
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
    run.set_defaults(func=serve)

    check = commands.add_parser("verify", help="check a server against a provider's documented contract")
    check.add_argument("provider", choices=SLUGS, metavar="PROVIDER", help=", ".join(SLUGS))
    check.add_argument(
        "--base-url", metavar="URL", help="the server to verify (default: our mock, in-process)"
    )
    check.add_argument(
        "--credentials", metavar="FILE", help="TOML credentials by role: [PROVIDER.ROLE] field = value"
    )
    check.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report")
    check.add_argument("--report", metavar="FILE", help="write a report for the provider (.html or .md)")
    check.add_argument(
        "--examples",
        type=int,
        default=25,
        metavar="N",
        help="generated requests per operation and mode (default: %(default)s; 0: no property run)",
    )
    check.set_defaults(func=verify)

    report = commands.add_parser("audit", help="report how clients of a running mock broke documented rules")
    report.add_argument(
        "--base-url", required=True, metavar="URL", help="the running mock, e.g. http://127.0.0.1:8700"
    )
    report.add_argument("--provider", choices=SLUGS, metavar="PROVIDER", help="only this provider's clients")
    report.set_defaults(func=audit)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
