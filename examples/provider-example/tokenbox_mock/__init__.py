"""TokenBox: one token endpoint, one error code, one lifecycle rule, as a provider-mocks plugin.

Its parts are found by the roles of its modules (`routes.bp`, which names the slug and the
model, `admin.bp`, the cases in `contract` and the OpenAPI document `tokenbox.yaml`); what is
its own is said here.
"""

from __future__ import annotations

from provider_mocks.core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="TokenBox (an example provider)",
    prefixes=("/tokenbox",),
    hosts=("api.tokenbox.example",),
    credential_fields=("clientId",),
)
