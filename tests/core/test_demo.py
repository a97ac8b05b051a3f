"""The recorded demo values: what a real seeded Faker draws, and what every provider asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from provider_mocks.core import demo


def test_the_recording_is_what_the_providers_draw_now() -> None:
    """Stale after a demo set changed: run `python -m provider_mocks.core.demo` and commit the file."""
    recorded = json.loads(demo.RECORDING.read_text(encoding="utf-8"))
    assert demo.record() == recorded


def test_a_start_replays_the_recording_without_faker() -> None:
    """Faker costs a start 0.2 s: a fresh process builds an app without importing it."""
    code = "import sys; from provider_mocks import create_app; create_app(); print('faker' in sys.modules)"
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert started.stdout.strip() == "False"


def test_calls_past_the_recording_go_on_with_a_real_faker() -> None:
    def draw(fake: Any) -> list[str]:
        return [
            fake.company(),
            fake.company(),
            fake.hexify("^" * 4),
            fake.company_prefix(),
            fake.numerify("###"),
        ]

    replay = demo.ReplayFaker("itrigger", "zh_CN")
    assert draw(replay) == draw(demo.real_faker("itrigger"))
    assert replay.fell_back
