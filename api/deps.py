"""Dependencies of the routes: settings, database, dispatcher, and who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api import keys
from api.config import Settings
from api.jobs.dispatcher import Dispatcher
from api.schemas.common import ErrorOut

_bearer = HTTPBearer(auto_error=False, description="an API key from `fieldplan keys create`")


def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    """The database engine."""
    return request.app.state.engine


def get_dispatcher(request: Request) -> Dispatcher:
    """The dispatcher of this server process."""
    return request.app.state.dispatcher


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]


@dataclass(frozen=True)
class Caller:
    """The tenant a request acts for, and the key it used."""

    tenant: str
    key_id: str | None


LOCAL = Caller("local", None)


def get_caller(settings: SettingsDep, engine: EngineDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
               ) -> Caller:
    """Authenticate the caller by ``Authorization: Bearer KEY``."""
    if not settings.auth:
        return LOCAL
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API key is required: send 'Authorization: Bearer KEY'",
                            headers={"WWW-Authenticate": "Bearer"})
    key = keys.authenticate(engine, credentials.credentials)
    if key is None:
        raise HTTPException(401, "this API key is not valid (unknown or revoked)",
                            headers={"WWW-Authenticate": "Bearer"})
    return Caller(key.tenant, key.id)


CallerDep = Annotated[Caller, Depends(get_caller)]

ERRORS = {
    401: {"model": ErrorOut, "description": "no API key, or an unknown or revoked one"},
    422: {"model": ErrorOut, "description": "a field of the request is not valid: `errors` names "
                                            "each one and says why"},
}
