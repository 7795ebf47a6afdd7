"""Pages people look at: the merchant dashboard (/ui) and the customer tracking page (/t/{code})."""
