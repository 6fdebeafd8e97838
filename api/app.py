"""The FastAPI application: `uvicorn --factory api.app:create_app`.

Nothing is built at import: the Temporal client and the store are made in the lifespan (or
given, by tests and the embedded launcher) and shared through `api.deps`.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client

from api.auth import READS, authorize
from api.deps import AppContext, TemporalConnection
from api.errors import BodySizeLimit, TemporalUnavailable, install_error_handlers
from api.idempotency import idempotency_key, install_idempotency
from api.metrics import install_observability
from api.recent import RECENT
from api.routes import (
    access,
    activity,
    agents,
    approvals,
    attachments,
    brake,
    budgets,
    codec,
    companies,
    costs,
    credentials,
    documents,
    endpoints,
    events,
    export,
    goals,
    governance,
    health,
    hooks,
    mcp_servers,
    monitors,
    org,
    pipeline_run_records,
    pipeline_runs,
    pipelines,
    projects,
    routines,
    search,
    tasks,
    templates,
    tool_outputs,
    tools,
    webhooks,
    work_products,
)
from api.routes.attachments import MULTIPART_SLACK, UPLOAD_PATH
from api.schemas import ErrorResponse
from paperclip import board
from paperclip.settings import Settings, get_settings
from paperclip.store import Store

log = logging.getLogger("paperclip.api")

API_PREFIX = "/api"


def _company_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[3] if len(parts) > 3 and parts[1] == "api" and parts[2] == "companies" and parts[3] else None


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    store: Store | None = None,
    task_queue: str | None = None,
) -> FastAPI:
    """Build the API.

    Args:
        settings: Where Temporal and the store are; the process settings by default.
        client: A connected Temporal client to use instead of connecting at startup.
        store: A migrated store to use instead of opening (and migrating) the configured one.
        task_queue: The queue new company workflows run on; `settings.task_queue` by default
            (tests give each run its own).
    """
    settings = settings or get_settings()
    task_queue = task_queue or settings.task_queue

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:  # now, so the CLI and dashboard on this machine find it before their first call
            board.ensure_token(settings.home_dir)
        except board.BoardTokenError as err:
            log.warning("%s", err)
        temporal = TemporalConnection(settings, client=client)
        if client is None:
            try:
                await temporal.get()
            except TemporalUnavailable as err:
                # Start anyway: /api/health reports it and each request tries to connect again.
                log.warning("%s", err.message)
        own_store = store is None
        the_store = store if store is not None else Store.from_settings(settings)
        if own_store and settings.migrate_on_start:
            the_store.migrate()
        app.state.context = AppContext(settings=settings, temporal=temporal, store=the_store, task_queue=task_queue)
        try:
            yield
        finally:
            if own_store:
                the_store.dispose()

    app = FastAPI(
        dependencies=[Depends(authorize), Depends(idempotency_key)],
        title="Paperclip on Temporal",
        summary="Run companies of AI agents on durable execution.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
        responses={
            400: {"model": ErrorResponse},
            401: {"model": ErrorResponse},
            403: {"model": ErrorResponse},
            404: {"model": ErrorResponse},
            409: {"model": ErrorResponse},
            413: {"model": ErrorResponse},
            422: {"model": ErrorResponse},
            429: {"model": ErrorResponse},
            503: {"model": ErrorResponse},
        },
    )
    install_error_handlers(app)
    install_idempotency(app)
    app.add_middleware(BodySizeLimit, patterns={UPLOAD_PATH: settings.attachments_max_bytes + MULTIPART_SLACK})
    for module in (
        health,
        companies,
        agents,
        tasks,
        documents,
        events,
        templates,
        routines,
        pipelines,
        activity,
        org,
        governance,
        goals,
        approvals,
        costs,
        search,
        budgets,
        endpoints,
        credentials,
        mcp_servers,
        codec,
        access,
        export,
        brake,
        tool_outputs,
        tools,
        hooks,
        webhooks,
        pipeline_runs,
        monitors,
        pipeline_run_records,
        attachments,
        projects,
        work_products,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(hooks.door, prefix=API_PREFIX)

    @app.middleware("http")
    async def forget_changed_companies(request: Request, call_next: Any) -> Any:
        """A change through the API is seen by the next read (`api.recent`): forgotten before
        the change (so it reads its own result) and after it (so no read in between lingers)."""
        company = _company_of(request.url.path) if request.method not in READS else None
        if company is not None:
            RECENT.forget(company)
        response = await call_next(request)
        if company is not None:
            RECENT.forget(company)
        return response

    # The Temporal Web UI calls the codec endpoint from the browser.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.codec_origins,
        allow_methods=["POST"],
        allow_headers=["Content-Type", "Authorization", "X-Namespace"],
        allow_credentials=True,
    )
    install_observability(app, settings)
    return app
