"""The app the serving-stack comparison loads: `BENCH_STORE` and `BENCH_CONFIG` from the environment.

Each server under test imports `bench.stack_app:app`; with several worker processes the
first one to start seeds the shared store and the others join it.
"""

from __future__ import annotations

import os

from provider_mocks import create_app

app = create_app(os.environ["BENCH_CONFIG"], providers=["itrigger"], store=os.environ.get("BENCH_STORE"))
