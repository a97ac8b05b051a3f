"""The kit's one registry type: entries by name, in order, each checked as it is added."""

from __future__ import annotations

import pytest

from provider_mocks.core.registry import Registry


def no_blank(name: str, entry: str) -> None:
    if not entry:
        raise ValueError(f"{name}: give it a text")


def test_entries_keep_their_order_and_names() -> None:
    registry: Registry[str] = Registry("word", no_blank)
    registry.add("b", "bee")
    registry.add("a", "ay")
    assert (list(registry), registry.names(), len(registry)) == (["bee", "ay"], ["b", "a"], 2)
    assert (registry["a"], registry.get("z"), "b" in registry) == ("ay", None, True)


@pytest.mark.parametrize(
    ("name", "entry", "message"),
    [
        ("a", "again", "word 'a' is registered twice"),
        ("c", "", "c: give it a text"),
    ],
)
def test_a_bad_entry_is_refused_and_leaves_the_registry_as_it_was(
    name: str, entry: str, message: str
) -> None:
    registry: Registry[str] = Registry("word", no_blank)
    registry.add("a", "ay")
    with pytest.raises(ValueError, match=message):
        registry.add(name, entry)
    assert list(registry.items()) == [("a", "ay")]


def test_an_unknown_name_says_what_is_known() -> None:
    registry: Registry[str] = Registry("word")
    registry.add("a", "ay")
    with pytest.raises(KeyError, match="no word 'z'; known: a"):
        registry["z"]


def test_merged_registries_keep_each_name_once() -> None:
    first: Registry[str] = Registry("word")
    first.add("a", "ay")
    second: Registry[str] = Registry("word")
    second.add("b", "bee")
    assert list(first.merged(second).items()) == [("a", "ay"), ("b", "bee")]
    second.add("a", "other")
    with pytest.raises(ValueError, match="registered twice"):
        first.merged(second)
