"""A local, faithful simulator of the WhatsApp Cloud API (its own ASGI app)."""
