"""`ordertalk store create|list`: make a store and its API key from the command line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.config import get_settings
from ordertalk.db import create_engine, session_factory
from ordertalk.errors import OrdertalkError
from ordertalk.stores.models import Store
from ordertalk.stores.schemas import format_quiet_hours
from ordertalk.stores.service import (
    DEFAULT_QUIET_HOURS,
    create_store,
    list_stores,
    parse_quiet_hours,
)

store_app = typer.Typer(help="Stores (tenants) and their API keys.", no_args_is_help=True)
_out = Console()
_err = Console(stderr=True)

T = TypeVar("T")

# Exit codes: 2 is what Typer itself uses for bad usage, so a bad value looks the same.
BAD_INPUT = 2
NO_DATABASE = 1


def _fail(message: str, code: int) -> typer.Exit:
    _err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate the configured database, run `work` in one committed transaction."""
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
    except OrdertalkError as exc:
        raise _fail(exc.message, BAD_INPUT) from None
    except (SQLAlchemyError, OSError) as exc:
        # The exception text can carry the database URL and its password: name the kind only.
        raise _fail(
            f"cannot use the database ({type(exc).__name__}); check ORDERTALK_DATABASE_URL",
            NO_DATABASE,
        ) from None


@store_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="The store's name, as customers know it.")],
    country: Annotated[str, typer.Option(help="ISO country code, e.g. IN (local phone format).")],
    language: Annotated[str, typer.Option(help="Default customer language, e.g. en, pt_BR.")],
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone; default: the country's main zone.")
    ] = None,
    quiet_hours: Annotated[
        str, typer.Option(help='Customer-local quiet hours "21:00-08:00", or "off".')
    ] = format_quiet_hours(*DEFAULT_QUIET_HOURS),
    phone_number_id: Annotated[str | None, typer.Option(help="WhatsApp number id.")] = None,
    waba_id: Annotated[str | None, typer.Option(help="WhatsApp Business Account id.")] = None,
    access_token: Annotated[str | None, typer.Option(help="Cloud API access token.")] = None,
    app_secret: Annotated[str | None, typer.Option(help="Meta app secret (webhooks).")] = None,
    verify_token: Annotated[str | None, typer.Option(help="Webhook verify token.")] = None,
    graph_base_url: Annotated[
        str | None, typer.Option(help="Graph API base URL (default: the settings').")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: id, api_key, name.")
    ] = False,
) -> None:
    """Create a store and print its API key (shown this once only)."""
    try:
        quiet = parse_quiet_hours(quiet_hours)
    except OrdertalkError as exc:
        raise _fail(exc.message, BAD_INPUT) from None

    async def work(session: AsyncSession) -> tuple[Store, str]:
        return await create_store(
            session,
            name=name,
            country=country,
            language=language,
            timezone=timezone,
            quiet_hours=quiet,
            phone_number_id=phone_number_id,
            waba_id=waba_id,
            access_token=access_token,
            app_secret=app_secret,
            verify_token=verify_token,
            graph_base_url=graph_base_url,
        )

    store, key = _in_transaction(work)
    if as_json:
        # Plain print: scripts parse stdout, so nothing but this one object may go there.
        print(json.dumps({"id": store.id, "api_key": key, "name": store.name}))
        return
    _out.print(f"Created store [bold]{store.id}[/bold] ({store.name}, {store.timezone})")
    _out.print(f"API key: [bold]{key}[/bold]", highlight=False)
    _out.print("Keep the key now: it is shown only once and cannot be recovered.")


@store_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the stores (never their secrets or keys)."""
    stores = _in_transaction(list_stores)
    rows: list[dict[str, Any]] = [
        {
            "id": store.id,
            "name": store.name,
            "country": store.country,
            "language": store.language,
            "timezone": store.timezone,
            "quiet_hours": format_quiet_hours(store.quiet_start, store.quiet_end),
            "phone_number_id": store.phone_number_id,
        }
        for store in stores
    ]
    if as_json:
        print(json.dumps(rows))
        return
    table = Table(title=f"{len(rows)} store(s)")
    # Ids are what people copy from this table: never shortened; the rest folds when narrow.
    table.add_column("id", no_wrap=True, min_width=max((len(row["id"]) for row in rows), default=2))
    for column in ("name", "country", "language", "timezone", "quiet hours", "number id"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(value or "") for value in row.values()))
    _out.print(table)
