"""The `provider-mocks` command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import version

from flask import Flask

from .app import create_app
from .core.config import ConfigError
from .core.server import LiveServer
from .core.services import get_mocks
from .providers import SLUGS

DEFAULT_PORT = 8700


def banner(app: Flask, url: str) -> str:
    """What `serve` prints: where it listens and every provider's demo credentials."""
    mocks = get_mocks(app)
    lines = [
        f"provider-mocks {version('provider-mocks')} on {url}",
        f"  admin API: {url}/__admin/providers",
        "",
    ]
    for slug, provider in mocks.providers.items():
        lines.append(f"{slug}: {provider.title}  {url}{provider.base_path}")
        for role, fields in mocks.model(slug).demo_credentials().items():
            shown = "  ".join(f"{k}={v}" for k, v in fields.items() if k != "note")
            lines.append(f"  {role:<10} {shown}")
            if fields.get("note"):
                lines.append(f"  {'':<10} ({fields['note']})")
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
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
