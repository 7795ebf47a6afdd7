"""`ordertalk templates push|list`: submit the registry's templates to Meta, show their status."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.config import Settings, get_settings
from ordertalk.db import create_engine, session_factory
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.service import PushReport, push
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.errors import CloudApiError

templates_app = typer.Typer(help="Message templates at Meta.", no_args_is_help=True)
_out = Console()
_err = Console(stderr=True)

T = TypeVar("T")

NO_DATABASE = 1
BAD_INPUT = 2
FAILED = 3  # some templates could not be submitted

_STATUS_STYLE = {"APPROVED": "green", "PENDING": "yellow", "NOT_SUBMITTED": "dim"}

StoreOption = Annotated[
    str | None, typer.Option("--store", help="Store id (default: every store with a WABA).")
]


class _Problem(Exception):
    """A reason to stop the command, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate the configured database and run `work` in one committed transaction."""
    from ordertalk.migrations import upgrade

    url = get_settings().database_url

    async def run() -> T:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        upgrade(url)
        return asyncio.run(run())
    except _Problem as exc:
        _err.print(f"[red]error:[/red] {escape(exc.message)}", highlight=False)
        raise typer.Exit(exc.code) from None
    except (SQLAlchemyError, OSError) as exc:
        # The exception text can carry the database URL and its password: name the kind only.
        _err.print(
            f"[red]error:[/red] cannot use the database ({type(exc).__name__}); "
            "check ORDERTALK_DATABASE_URL",
            highlight=False,
        )
        raise typer.Exit(NO_DATABASE) from None


async def _stores(session: AsyncSession, store_id: str | None) -> list[Store]:
    if store_id is not None:
        store = await session.get(Store, store_id)
        if store is None:
            raise _Problem(f"no store {store_id!r}", BAD_INPUT)
        return [store]
    stores = list(await session.scalars(select(Store).where(Store.waba_id.is_not(None))))
    if not stores:
        raise _Problem("no store has a WhatsApp Business Account id (waba_id)", BAD_INPUT)
    return stores


def client_for(store: Store, settings: Settings) -> WhatsAppClient:
    """A template-management client from the store's row and the settings."""
    if not store.waba_id or not store.access_token:
        raise _Problem(f"store {store.id} needs a waba_id and an access_token", BAD_INPUT)
    return WhatsAppClient(
        base_url=store.graph_base_url or settings.graph_base_url,
        api_version=settings.graph_api_version,
        access_token=store.access_token,
        phone_number_id=store.phone_number_id or "",
        waba_id=store.waba_id,
        timeout=settings.graph_timeout_s,
    )


@templates_app.command("push")
def push_command(
    store: StoreOption = None,
    document_handle: Annotated[
        str | None,
        typer.Option(
            help="Handle of a sample PDF (Resumable Upload API) for the invoice DOCUMENT header."
        ),
    ] = None,
) -> None:
    """Submit every template Meta doesn't have yet; record the status of all of them."""
    settings = get_settings()

    async def work(session: AsyncSession) -> list[tuple[Store, PushReport | str]]:
        done: list[tuple[Store, PushReport | str]] = []
        for row in await _stores(session, store):
            async with client_for(row, settings) as client:
                try:
                    report = await push(session, row.id, client, document_handle=document_handle)
                except CloudApiError as exc:
                    # One store's bad token or outage must not undo the others' push.
                    # CloudApiError texts are already free of tokens and phone numbers.
                    done.append((row, str(exc)))
                    continue
            done.append((row, report))
        return done

    failed = False
    for row, outcome in _run(work):
        if isinstance(outcome, str):
            _err.print(
                f"[red]error:[/red] store {escape(row.id)}: {escape(outcome)}", highlight=False
            )
            failed = True
            continue
        _out.print(_report_table(row, outcome))
        failed = failed or bool(outcome.failed)
    if failed:
        raise typer.Exit(FAILED)


def _report_table(store: Store, report: PushReport) -> Table:
    table = Table(
        title=(
            f"{store.id}: {len(report.created)} created, {len(report.present)} already at Meta, "
            f"{len(report.failed)} failed, {len(report.skipped)} skipped"
        )
    )
    for column in ("template", "language", "result", "status", "reason"):
        table.add_column(column)
    for outcome, items in (
        ("created", report.created),
        ("present", report.present),
        ("failed", report.failed),
        ("skipped", report.skipped),
    ):
        for item in items:
            style = {"failed": "red", "skipped": "yellow"}.get(outcome) or _STATUS_STYLE.get(
                item.status, "red"
            )
            status = f"[{style}]{item.status}[/]"
            table.add_row(item.name, item.language, outcome, status, escape(item.reason or ""))
    return table


@templates_app.command("list")
def list_command(store: StoreOption = None) -> None:
    """Show what Meta last said about each template and language."""

    async def work(session: AsyncSession) -> list[tuple[Store, list[TemplateStatus]]]:
        found: list[tuple[Store, list[TemplateStatus]]] = []
        for row in await _stores(session, store):
            statuses = await session.scalars(
                select(TemplateStatus)
                .where(TemplateStatus.store_id == row.id)
                .order_by(TemplateStatus.name, TemplateStatus.language)
            )
            found.append((row, list(statuses)))
        return found

    for row, statuses in _run(work):
        table = Table(title=f"{row.id}: {len(statuses)} template(s)")
        for column in ("template", "language", "status", "category", "reason", "updated"):
            table.add_column(column)
        for status in statuses:
            style = _STATUS_STYLE.get(status.status, "red")
            table.add_row(
                status.name,
                status.language,
                f"[{style}]{status.status}[/]",
                status.category,
                escape(status.reason or ""),
                status.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
        _out.print(table)
