"""The store's own questions and answers, which the bot matches by paraphrase."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ordertalk.conversations.understanding import FaqEntry
from ordertalk.stores.models import Store

FAQ_KEY = "faq"  # where the entries live in `Store.settings`
MAX_ENTRIES = 100


class FaqItem(BaseModel):
    """One question, its other phrasings, and the answer the bot sends."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    question: str = Field(min_length=3, max_length=300)
    alternatives: list[str] = Field(default_factory=list, max_length=20)
    answer: str = Field(min_length=1, max_length=1024)
    language: str | None = Field(default=None, pattern=r"^(en|hi|es|pt|id)$")

    @field_validator("question", "answer")
    @classmethod
    def _no_blank(cls, value: str) -> str:
        if not value.strip() or "\x00" in value:
            raise ValueError("must not be blank or contain NUL characters")
        return value.strip()

    @field_validator("alternatives")
    @classmethod
    def _alternatives(cls, values: list[str]) -> list[str]:
        for value in values:
            if not 3 <= len(value.strip()) <= 300 or "\x00" in value:
                raise ValueError("each alternative is 3 to 300 characters")
        return [value.strip() for value in values]


class FaqList(BaseModel):
    """All of a store's questions (a PUT replaces them)."""

    model_config = ConfigDict(extra="forbid")

    items: list[FaqItem] = Field(default_factory=list, max_length=MAX_ENTRIES)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: list[FaqItem]) -> list[FaqItem]:
        ids = [item.id for item in items]
        if len(ids) != len(set(ids)):
            raise ValueError("ids must be unique")
        return items


def stored_faq(store: Store) -> FaqList:
    """The store's questions as saved (invalid leftovers are dropped, never raised)."""
    raw = (store.settings or {}).get(FAQ_KEY) or []
    items = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            items.append(FaqItem.model_validate(entry))
        except ValueError:
            continue
    return FaqList(items=items)


def save_faq(store: Store, faq: FaqList) -> None:
    """Replace the store's questions."""
    store.settings = {**(store.settings or {}), FAQ_KEY: [i.model_dump() for i in faq.items]}


def faq_entries(store: Store) -> tuple[FaqEntry, ...]:
    """The questions in the form the matcher takes."""
    return tuple(
        FaqEntry(
            id=item.id,
            question=item.question,
            answer=item.answer,
            language=item.language,
            alternatives=tuple(item.alternatives),
        )
        for item in stored_faq(store).items
    )


def answer_for(store: Store, faq_id: str | None) -> str | None:
    """The answer of the matched question."""
    for item in stored_faq(store).items:
        if item.id == faq_id:
            return item.answer
    return None
