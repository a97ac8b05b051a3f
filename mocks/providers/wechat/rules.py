"""WeChat's own behaviour rule: a replaced token used in its 5 minutes of overlap.

After them the call is refused (40001, token state "overwritten") and the shared
`overwritten-token-used` judges it, an error; inside them the call still works, and this rule
warns: whoever sent it holds a token another fetch has replaced, the mark of several fetchers
overwriting each other, or of a central server's token not reaching its callers in time.
"""

from __future__ import annotations

from ...core.checks import Check, Recent, facts, rule, ruleset
from ...core.journal import Entry


@rule(
    "replaced-token-used",
    severity="warning",
    source="WeChat: 建议开发者使用中控服务器统一获取和刷新access_token，其他业务逻辑服务器所使用的"
    "access_token均来自于该中控服务器，不应该各自去刷新，否则容易造成冲突，导致access_token覆盖而影响业务; "
    "公众平台后台会保证在5分钟内，新老access_token都可用",
)
class ReplacedTokenUsed(Check):
    """A call used a token another fetch had replaced: it works 5 minutes after that, then answers 40001."""

    def begin(self) -> None:
        #: The fetch that replaced each token.
        self.replaced_by: Recent[str, int] = Recent()

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        if f.get("kind") == "fetch" and f.get("replaced") and f.get("replaced") != f.get("token"):
            self.replaced_by.set(f["replaced"], entry["id"], entry["id"])
        elif f.get("kind") == "call" and (left := f.get("overlap_left")) is not None:
            fetch = self.replaced_by.get(f.get("token", ""))
            self.report(
                entry["id"],
                f"{f.get('credential')} called with a token that request #{fetch or '?'} had replaced: "
                f"it answers 40001 in {left:.0f} s",
                (entry["id"],) if fetch is None else (fetch, entry["id"]),
                f.get("credential"),
            )

    def forget(self, oldest: int) -> None:
        super().forget(oldest)
        self.replaced_by.forget(oldest)


RULES = ruleset(ReplacedTokenUsed)
