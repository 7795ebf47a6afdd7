"""broadcasts: one template to many of a store's contacts, planned into the outbox."""
