"""The built-in providers, one package each, found as plugins (see `core.plugins`).

A provider package has the same modules: `__init__` (the Provider), `models` (rules and
state), `routes` (thin handlers on the real paths), `admin` (credential management),
`errors` (codes, messages and the envelope) and, if it has its own audit rules, `rules`.
"""
