"""``fieldplan serve`` and ``fieldplan keys``: the HTTP service and its API keys."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from api.commands.common import EXIT_BAD_INPUT, err

keys_app = typer.Typer(help="API keys of the HTTP service.", no_args_is_help=True)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="server processes (each runs "
                                         "FIELDPLAN_CONCURRENT_SOLVES solves)")] = 1,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="accept requests without an API "
                                          "key (a local demo; 127.0.0.1 only)")] = False,
) -> None:
    """Run the HTTP service (OpenAPI docs at /docs). Settings: FIELDPLAN_*
    variables.

    Example:

      fieldplan keys create --tenant branch-north
      fieldplan serve --port 8000
    """
    import logging
    import os

    import uvicorn

    from api import locate
    from api.access_log import uvicorn_log_config
    from api.config import Settings

    if no_auth:
        if host not in _LOOPBACK:
            err.print(f"[red]error[/]: --no-auth is only allowed on 127.0.0.1, not on {host}")
            raise typer.Exit(EXIT_BAD_INPUT)
        os.environ["FIELDPLAN_AUTH"] = "false"
        err.print("[bold red]WARNING: API keys are OFF. Anyone who can reach "
                  f"http://{host}:{port} acts as tenant 'local'. Demo use only.[/]")
    settings = Settings()
    if not settings.auth and host not in _LOOPBACK:
        err.print(f"[red]error[/]: FIELDPLAN_AUTH=false is only allowed on 127.0.0.1, not {host}")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        geocoding = locate.configured()
    except locate.GeocodingSetupError as exc:
        err.print(f"[red]error[/]: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if geocoding is not None:
        err.print("customers given by address are located from "
                  + (str(geocoding.addresses) if geocoding.addresses else geocoding.geocoder),
                  highlight=False)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", log_config=uvicorn_log_config())


def _database():
    from api.config import Settings
    from api.db import connect, migrate

    engine = connect(Settings().database_url)
    migrate(engine)
    return engine


@keys_app.command("create")
def keys_create(tenant: Annotated[str, typer.Option(help="the branch or team the key acts for")]
                ) -> None:
    """Create an API key. The key is printed once, as the last line; only its
    digest is kept."""
    from api import keys

    if not tenant.strip() or len(tenant) > 128:
        err.print("[red]error[/]: --tenant must be 1 to 128 characters")
        raise typer.Exit(EXIT_BAD_INPUT)
    key_id, key = keys.create(_database(), tenant.strip())
    err.print(f"key {key_id} created for tenant {tenant!r}; store it now, it is not shown again:",
              highlight=False)
    sys.stdout.write(key + "\n")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (or the key)")]) -> None:
    """Revoke an API key: requests with it get 401 from now on. Given the key
    itself, only its id is ever printed."""
    from api import keys

    ident = keys.key_id_of(key_id)
    if not keys.revoke(_database(), ident):
        err.print(f"[red]error[/]: no active key with the id {ident!r}", highlight=False,
                  markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    err.print(f"key {ident} revoked", highlight=False, markup=False)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys: id, tenant, created, revoked (never the keys themselves)."""
    from api import keys

    for key in keys.listing(_database()):
        revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        sys.stdout.write(f"{key.id}\t{key.tenant}\t{key.created_at:%Y-%m-%d %H:%M}\t{revoked}\n")
