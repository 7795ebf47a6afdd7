"""The `ordertalk` command: serve, sandbox, demo, migrate."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk import __version__
from ordertalk.config import Settings, get_settings
from ordertalk.sandbox.settings import Behaviour, SandboxSettings

app = typer.Typer(help="Ordertalk: WhatsApp commerce messaging.", no_args_is_help=True)
console = Console()

_DEFAULTS = SandboxSettings()


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (ORDERTALK_DATABASE_URL)."""
    from ordertalk.migrations import upgrade

    upgrade(get_settings().database_url)
    console.print("[green]database is up to date[/green]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run the dispatcher in this process.")
    ] = True,
    with_sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Also run a sandbox that stores without a number use."),
    ] = False,
    sandbox_port: Annotated[int, typer.Option(help="The in-process sandbox's port.")] = 8990,
) -> None:
    """Run the Ordertalk API and its worker (migrating the database first)."""
    from ordertalk.stack import running

    settings = get_settings()
    changes: dict[str, object] = {"worker": worker}
    if host:
        changes["host"] = host
    if port:
        changes["port"] = port
    settings = settings.model_copy(update=changes)

    async def main() -> None:
        async with running(settings, sandbox_port=sandbox_port if with_sandbox else None) as stack:
            console.print(
                f"[bold]Ordertalk[/bold] {stack.api_url}  (API docs {stack.api_url}/docs)"
            )
            if stack.sandbox_url:
                console.print(f"[bold]Sandbox[/bold]   {stack.sandbox_url}/_sandbox/health")
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@app.command("worker")
def worker_command() -> None:
    """Run only the outbox dispatcher (scale out with several, next to `serve --no-worker`)."""
    from ordertalk.worker import run_worker

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(get_settings()))


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8990,
    webhook_url: Annotated[
        str | None, typer.Option(help="Where status and inbound webhooks are POSTed.")
    ] = "http://127.0.0.1:8000/webhooks/whatsapp",
    app_secret: Annotated[str, typer.Option(help="Signs webhooks.")] = _DEFAULTS.app_secret,
    access_token: Annotated[
        str, typer.Option(help="The bearer token clients must send.")
    ] = _DEFAULTS.access_token,
    phone_number_id: Annotated[
        list[str] | None,
        typer.Option(help="The business number id; repeat for more numbers."),
    ] = None,
    waba_id: Annotated[str, typer.Option(help="The WhatsApp Business Account id.")] = (
        _DEFAULTS.waba_id
    ),
    verify_token: Annotated[
        str, typer.Option(help="Sent in the GET handshake.")
    ] = _DEFAULTS.verify_token,
    throughput: Annotated[
        float, typer.Option(help="Messages per second per number (80 default, up to 1000).")
    ] = 80.0,
    status_batch_size: Annotated[
        int, typer.Option(help="Statuses per webhook POST (1 = one POST per status).")
    ] = 1,
) -> None:
    """Run the local WhatsApp Cloud API sandbox."""
    from ordertalk.sandbox.app import create_app

    numbers = phone_number_id or [_DEFAULTS.phone_number_id]
    behaviour = Behaviour.model_validate(
        {
            "webhook_url": webhook_url or None,
            "throughput_mps": throughput,
            "status_batch_size": status_batch_size,
        }
    )
    settings = SandboxSettings(
        access_token=access_token,
        app_secret=app_secret,
        verify_token=verify_token,
        phone_number_id=numbers[0],
        waba_id=waba_id,
        behaviour=behaviour,
    )
    table = Table(title=f"Ordertalk WhatsApp sandbox on http://{host}:{port}", show_header=False)
    for name, value in (
        ("graph base URL", f"http://{host}:{port}/v25.0"),
        ("phone number id(s)", ", ".join(numbers)),
        ("WABA id", waba_id),
        ("access token", access_token),
        ("app secret", app_secret),
        ("verify token", verify_token),
        ("webhook URL", webhook_url or "(none)"),
        ("throughput", f"{throughput:g} msg/s per number"),
        ("control plane", f"http://{host}:{port}/_sandbox/..."),
    ):
        table.add_row(name, value)
    # The sandbox's credentials are test values: printing them is what makes it usable.
    console.print(table)
    uvicorn.run(
        create_app(settings, extra_numbers=numbers[1:]),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Ordertalk's port.")] = 8000,
    sandbox_port: Annotated[int, typer.Option(help="The sandbox's port.")] = 8990,
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Play the scenario, print, and stop (no serving).")
    ] = False,
) -> None:
    """Run Ordertalk and the sandbox with a demo store whose orders go through their milestones."""
    from ordertalk.demo import run_demo

    settings = Settings(port=port)
    if "ORDERTALK_LOG_LEVEL" not in os.environ:
        settings = settings.model_copy(update={"log_level": "WARNING"})  # keep the story readable
    ok = True
    with contextlib.suppress(KeyboardInterrupt):
        ok = asyncio.run(
            run_demo(settings, sandbox_port=sandbox_port, console=console, serve=not exit_after)
        )
    if not ok:
        raise typer.Exit(1)


@app.command()
def phone(
    wa_id: Annotated[str, typer.Argument(help="The customer's WhatsApp id, e.g. 14155550100.")],
    sandbox_url: Annotated[
        str, typer.Option(help="The sandbox (its control plane) to talk through.")
    ] = "http://127.0.0.1:8990",
) -> None:
    """Be a customer on the sandbox's WhatsApp: see what arrives, type and tap replies."""
    from ordertalk.phone import run_phone

    if not wa_id.isdigit() or not 8 <= len(wa_id) <= 15:
        console.print("[red]A WhatsApp id is 8 to 15 digits, without + or spaces.[/]")
        raise typer.Exit(2)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_phone(sandbox_url, wa_id, console))


@app.command("print-settings")
def print_settings() -> None:
    """Show the effective settings (secrets masked)."""
    console.print_json(json.dumps(get_settings().model_dump(mode="json")))


user_app = typer.Typer(help="People who log in to the dashboard (/ui).", no_args_is_help=True)


@user_app.command("create")
def user_create(
    store: Annotated[str, typer.Option(help="The store's id (st_…).")],
    email: Annotated[str, typer.Option(help="Their login email.")],
    name: Annotated[str, typer.Option(help="Their name, as agents and the inbox show it.")],
    role: Annotated[str, typer.Option(help="owner or agent.")] = "owner",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a dashboard user (the password is asked for, never given on the command line)."""
    import sys

    from ordertalk.stores.cli import BAD_INPUT, _fail, _in_transaction
    from ordertalk.web.users import Role, create_user

    if role not in {r.value for r in Role}:
        raise _fail("--role must be owner or agent", BAD_INPUT)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(session: AsyncSession) -> tuple[int, str]:
        user = await create_user(
            session, store_id=store, email=email, name=name, password=password, role=Role(role)
        )
        return user.id, user.email

    user_id, saved = _in_transaction(work)
    console.print(f"[green]user {user_id} created[/green]: {saved} ({role}) logs in at /ui/login")


def _register_subcommands() -> None:
    from ordertalk.replay import replay_command
    from ordertalk.stores.cli import store_app
    from ordertalk.templates.cli import templates_app

    app.add_typer(store_app, name="store", help="Create and list stores.")
    app.add_typer(templates_app, name="templates", help="Push templates to Meta, list statuses.")
    app.add_typer(user_app, name="user", help="Dashboard users.")
    app.command("replay")(replay_command)


_register_subcommands()


def main() -> None:
    """Entry point of the console script."""
    app()
