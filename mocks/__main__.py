"""`python -m provider_mocks`: the `provider-mocks` command."""

import sys

from .cli import main

sys.exit(main())
