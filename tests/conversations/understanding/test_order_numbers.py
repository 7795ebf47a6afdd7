"""Order numbers: labelled, prefixed or bare; never a phone number, an amount or a postcode."""

from __future__ import annotations

import pytest

from ordertalk.conversations.understanding import find_order_number, understand


@pytest.mark.parametrize(
    ("message", "order_number"),
    [
        ("#1001", "1001"),
        ("# 1001 please", "1001"),
        ("where is order #1001?", "1001"),
        ("order 5302002002", "5302002002"),
        ("order no. 2041", "2041"),
        ("order no.2041", "2041"),
        ("Order number: 2041", "2041"),
        ("order id 99812", "99812"),
        ("ORD-2041", "ORD-2041"),
        ("my ord-2041 is late", "ORD-2041"),
        ("so1234 status", "SO1234"),
        ("order1001", "1001"),
        ("pedido 1520", "1520"),
        ("número de pedido 1520", "1520"),
        ("meu pedido 4455 não chegou", "4455"),
        ("encomenda n.º 7781", "7781"),
        ("no pesanan 7788", "7788"),
        ("nomor pesanan saya 7788", "7788"),
        ("ऑर्डर 2041", "2041"),
        ("ऑर्डर २०४१", "2041"),
        ("order ka number 3012 hai", "3012"),
        ("1001", "1001"),
        ("it's 20455", "20455"),
        # Labelled numbers beat bare ones; otherwise the first one wins.
        ("I bought 250 items, order 1001", "1001"),
        ("#1001 and #1002", "1001"),
        # An order-labelled number is believed even when it looks like a phone.
        ("my order number is 9876543210", "9876543210"),
        ("order 9123456789", "9123456789"),
    ],
)
def test_order_numbers_are_found(message: str, order_number: str) -> None:
    assert find_order_number(message) == order_number
    assert understand(message).order_number == order_number


@pytest.mark.parametrize(
    "message",
    [
        "call me on 9876543210",
        "call me on +91 98765 43210",
        "Call me at +1 415 555 2671",
        "my number is 9123456789",
        "mera number 9876543210 hai",
        "mera mobile number 98765-43210",
        "9876543210",  # an Indian mobile and nothing says it is an order
        "+919876543210",
        "919876543210",
        "no hp saya 081234567890",
        "WA 6281234567890",
        "meu celular é 11 98765-4321",
        "5511987654321",
        "mi teléfono es 55 1234 5678",
        "fone (11) 98765-4321",
        "I paid ₹1500",
        "Rs 2499 charged twice",
        "total Rp 150.000",
        "R$ 150,00",
        "1500 rupees",
        "pin 411001",
        "kode pos 12345",
        "CEP 01310-100",
        "deliver to flat 1203",
        "on 12/05/2024 at 10:30",
        "3.14159",
        "12",
        "",
        "no order number here",
    ],
)
def test_phones_amounts_and_postcodes_are_not_order_numbers(message: str) -> None:
    assert find_order_number(message) is None


@pytest.mark.parametrize(
    ("message", "order_number"),
    [
        ("call me on 9876543210 about order #1001", "1001"),
        ("call me on +91 98765 43210 about order 1001", "1001"),
        ("order 1001, my number is 9876543210", "1001"),
        ("mera number 9876543210 hai, ऑर्डर 2041 kahan hai", "2041"),
        ("no hp 081234567890 pesanan 7788", "7788"),
        ("paid ₹1500 for order 1001", "1001"),
        ("pin 411001, order 3012", "3012"),
    ],
)
def test_phone_next_to_an_order_number(message: str, order_number: str) -> None:
    assert find_order_number(message) == order_number
