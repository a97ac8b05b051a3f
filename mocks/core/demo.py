"""Demo data: realistic, and the same on every start, so printed credentials stay valid."""

from __future__ import annotations

import zlib

from faker import Faker


def seeded_faker(slug: str, locale: str = "zh_CN") -> Faker:
    """A Faker seeded by the provider's slug: each provider's demo set is stable on its own."""
    fake = Faker(locale)
    fake.seed_instance(zlib.crc32(slug.encode()))
    return fake
