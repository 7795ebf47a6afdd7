"""The dashboard at /ui: one router gathering its pages (registered once, in app.py)."""

from __future__ import annotations

from fastapi import APIRouter

from ordertalk.web.dashboard_contacts import router as contacts_router
from ordertalk.web.dashboard_inbox import router as inbox_router
from ordertalk.web.dashboard_journeys import router as journeys_router
from ordertalk.web.dashboard_login import router as login_router
from ordertalk.web.dashboard_orders import router as orders_router
from ordertalk.web.dashboard_overview import router as overview_router
from ordertalk.web.dashboard_settings import router as settings_router
from ordertalk.web.dashboard_templates import router as templates_router

router = APIRouter()
router.include_router(login_router)
router.include_router(orders_router)
router.include_router(inbox_router)
router.include_router(overview_router)
router.include_router(contacts_router)
router.include_router(templates_router)
router.include_router(journeys_router)
router.include_router(settings_router)
