"""The bot's flows: each answers one kind of request and may act on the customer's orders."""
