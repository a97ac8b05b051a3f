"""TokenBox: one token endpoint, one error code, one lifecycle rule, as a provider-mocks plugin.

Its parts are found by the roles of its modules (`routes.bp`, which names the model, and
`admin.bp`); what is its own is said here.
"""

from __future__ import annotations

from pathlib import Path

from provider_mocks.core.provider import Provider

provider = Provider.of_package(
    __name__,
    slug="tokenbox",
    title="TokenBox (an example provider)",
    prefixes=("/tokenbox",),
    hosts=("api.tokenbox.example",),
    credential_fields=("clientId",),
    contracts="tokenbox_mock.contract",
    spec=Path(__file__).with_name("tokenbox.yaml"),
)
