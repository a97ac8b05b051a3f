"""Reading the providers' OpenAPI documents, for the audit at run time and the contract checks:
nothing here imports the validators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def resolved(spec: Mapping[str, Any], node: Any) -> Any:
    """`node` with its local `$ref`s ("#/components/...") followed to what they name."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node
