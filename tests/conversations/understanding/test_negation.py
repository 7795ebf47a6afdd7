"""Negated actions are never the action; negations do not leak across clauses or other words."""

from __future__ import annotations

import pytest

from ordertalk.conversations.understanding import Intent, understand


@pytest.mark.parametrize(
    ("message", "not_intent"),
    [
        ("don't cancel", Intent.CANCEL),
        ("don't cancel my order", Intent.CANCEL),
        ("I do not want to cancel", Intent.CANCEL),
        ("I really don't want to cancel my order, I was just asking", Intent.CANCEL),
        ("please don't return it to the warehouse", Intent.RETURN),
        ("no need to cancel", Intent.CANCEL),
        ("no quiero cancelar", Intent.CANCEL),
        ("no lo quiero cancelar", Intent.CANCEL),
        ("no voy a cancelar el pedido", Intent.CANCEL),
        ("não quero cancelar", Intent.CANCEL),
        ("não precisa cancelar", Intent.CANCEL),
        ("cancel mat karo", Intent.CANCEL),
        ("order cancel mat karo bhai", Intent.CANCEL),
        ("cancel nahi karna hai", Intent.CANCEL),
        ("mat cancel karo", Intent.CANCEL),
        ("return nahi karna", Intent.RETURN),
        ("कैंसल मत करो", Intent.CANCEL),
        ("jangan dibatalkan", Intent.CANCEL),
        ("tidak mau batal", Intent.CANCEL),
        ("gak jadi cancel kak", Intent.CANCEL),
    ],
)
def test_negated_action_is_not_the_action(message: str, not_intent: Intent) -> None:
    result = understand(message)

    assert result.intent is not not_intent, result
    assert result.intent is Intent.NO
    assert result.confidence <= 0.6
    assert result.matched is not None
    assert "negated" in result.matched


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        # A clause break ends a negation.
        ("No, I want to cancel", Intent.CANCEL),
        ("no, cancel it", Intent.CANCEL),
        ("não, pode cancelar", Intent.CANCEL),
        # Negations of other verbs do not reach the action.
        ("mi pedido no llegó quiero cancelar", Intent.CANCEL),
        ("order nahi aaya cancel karo", Intent.CANCEL),
        ("it didn't arrive so please cancel it", Intent.CANCEL),
        ("pesanan tidak sampai mau batal", Intent.CANCEL),
        # Portuguese "no"/"na" are "in the", not "not".
        ("entregaram no endereço errado", Intent.CHANGE_ADDRESS),
        # A negated alternative leaves the other one standing.
        ("I want to exchange, not return", Intent.EXCHANGE),
        ("I don't want to return it, I want an exchange", Intent.EXCHANGE),
        ("return nahi karna, exchange karna hai", Intent.EXCHANGE),
        ("não quero devolver, quero trocar", Intent.EXCHANGE),
        # A negation inside a phrase is part of its meaning.
        ("I have not received my order", Intent.WISMO),
        ("mi pedido no ha llegado", Intent.WISMO),
        ("abhi tak nahi aaya", Intent.WISMO),
        ("ainda não chegou", Intent.WISMO),
        ("paket belum sampai", Intent.WISMO),
        # Hindi "na" after a verb is emphasis, not negation.
        ("cancel karo na", Intent.CANCEL),
    ],
)
def test_negation_stays_in_its_place(message: str, intent: Intent) -> None:
    assert understand(message).intent is intent, understand(message)
