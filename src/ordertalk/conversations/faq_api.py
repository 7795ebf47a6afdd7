"""`/v1/faq`: the store's own questions and answers, which the bot matches by paraphrase."""

from __future__ import annotations

from fastapi import APIRouter

from ordertalk.conversations.faq import FaqList, save_faq, stored_faq
from ordertalk.deps import SessionDep
from ordertalk.stores.deps import StoreDep

router = APIRouter(prefix="/v1/faq", tags=["conversations"])


@router.get("")
async def read_faq(store: StoreDep) -> FaqList:
    """The store's questions, their other phrasings and answers."""
    return stored_faq(store)


@router.put("")
async def replace_faq(body: FaqList, store: StoreDep, session: SessionDep) -> FaqList:
    """Replace all of the store's questions (at most 100; ids unique)."""
    save_faq(store, body)
    await session.flush()
    return stored_faq(store)
