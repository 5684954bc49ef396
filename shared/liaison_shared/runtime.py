"""One composition root per service: database, outbox relay, consumer and HTTP.

A service builds a `Runtime` in its `bootstrap(settings)` and hands it to
`serve()`. Nothing connects before `start()`; uvicorn's SIGTERM handling
runs `stop()`, which finishes the in-flight event, commits, leaves the
consumer group, flushes the producer and disposes the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison_shared import metrics
from liaison_shared.access import program_access
from liaison_shared.consumer import EventConsumer, Handler
from liaison_shared.db import UnitOfWork, create_engine, ping, session_factory
from liaison_shared.kafka import catalog_topics, ensure_topics, kafka_answers
from liaison_shared.logging import configure_logging
from liaison_shared.migrations import upgrade
from liaison_shared.oidc import TokenVerifier
from liaison_shared.openapi import describe_truthfully
from liaison_shared.outbox import Outbox, OutboxRelay
from liaison_shared.pipeline import BULK_BODY, Authentication, RequestPipeline
from liaison_shared.problems import install_problem_handlers
from liaison_shared.retry import Backoff, wait_or_stop
from liaison_shared.settings import ServiceSettings

log = logging.getLogger(__name__)
Worker = Callable[[asyncio.Event], Awaitable[None]]


class Runtime:
    """Everything a service process runs, wired once."""

    def __init__(self, settings: ServiceSettings, *, migrations: Path) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url, settings.schema_name)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.outbox = Outbox(settings.topic_prefix)
        self.relay = OutboxRelay(
            self.engine, settings.schema_name, settings.kafka_bootstrap, service=settings.service,
            batch_size=settings.relay_batch_size, sweep_seconds=settings.relay_sweep_seconds,
        )
        self.consumer: EventConsumer | None = None
        self.identity = TokenVerifier(settings.oidc_issuer, settings.oidc_audience, program_access(),
                                      provider_url=settings.oidc_provider_url or None,
                                      client=(settings.oidc_client_id, settings.oidc_client_secret.get_secret_value())
                                      if settings.oidc_client_id else None,
                                      revocation_seconds=settings.oidc_revocation_seconds,
                                      refresh_seconds=settings.oidc_refresh_seconds)
        self.authentication = Authentication(self.identity.authenticate)
        """How HTTP requests are authenticated: bearer tokens, unless the service signs people in itself."""
        self._migrations = migrations
        self._routers: list[APIRouter] = []
        self._middleware: list[Callable[[ASGIApp], ASGIApp]] = []
        self._provided: dict[type, object] = {Runtime: self}
        self._workers: list[Worker] = []
        self._stop = asyncio.Event()
        self.draining = asyncio.Event()
        """Set when the process is told to stop: long-lived responses (live streams) end so it can."""
        self._tasks: list[asyncio.Task[None]] = []

    def consume(self, handlers: Mapping[str, Handler]) -> None:
        """Run `handlers` (event type → handler) in the service's consumer group."""
        self.consumer = EventConsumer(
            name=self.settings.service, engine=self.engine, bootstrap=self.settings.kafka_bootstrap,
            group_id=self.settings.consumer_group, handlers=handlers, topic_prefix=self.settings.topic_prefix,
            max_attempts=self.settings.consumer_max_attempts,
        )

    def add_worker(self, worker: Worker) -> None:
        """Run `worker(stop)` beside the consumer; restarted with backoff if it fails."""
        self._workers.append(worker)

    def add_routers(self, *routers: APIRouter) -> None:
        """Serve these routers too."""
        self._routers.extend(routers)

    def add_middleware(self, middleware: Callable[[ASGIApp], ASGIApp]) -> None:
        """Wrap the service's routes in this ASGI middleware too (inside the request pipeline)."""
        self._middleware.append(middleware)

    def provide(self, *objects: object) -> None:
        """Make these objects (the service's use cases) available to routes, by type (`liaison_shared.deps`)."""
        self._provided.update({type(obj): obj for obj in objects})

    def unit_of_work(self) -> UnitOfWork:
        """A new transaction on the service's schema."""
        return UnitOfWork(self.sessions)

    async def start(self) -> None:
        """Migrate the schema, create topics, start the relay and the consumer."""
        await upgrade(self.engine, self.settings.schema_name, self._migrations)
        await ensure_topics(self.settings.kafka_bootstrap, catalog_topics(self.settings.topic_prefix),
                            self.settings.topic_partitions)
        self._stop.clear()
        self._tasks = [asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")]
        if self.consumer is not None:
            self._tasks.append(asyncio.create_task(self.consumer.run(self._stop), name="consumer"))
        self._tasks += [asyncio.create_task(_supervised(worker, self._stop), name=_name_of(worker))
                        for worker in [self.identity.keep_fresh, *self._workers]]

    async def stop(self) -> None:
        """Graceful shutdown: finish in-flight work, commit, leave the group, close."""
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.engine.dispose()

    async def ready(self) -> dict[str, bool]:
        """Whether the database and Kafka answer now, and whether the provider's keys are held."""
        try:
            await ping(self.engine)
            database = True
        except Exception:  # readiness reports, it does not raise
            database = False
        producer = self.relay.producer
        kafka = producer is not None and await kafka_answers(producer)
        return {"database": database, "kafka": kafka, "identity_keys": self.identity.has_keys}

    def degraded(self) -> list[str]:
        """What works from what it held last, without being able to refresh it."""
        return [] if self.identity.keys_fresh or not self.identity.has_keys else ["identity-keys-not-refreshed"]

    def app(self) -> FastAPI:
        """The service's HTTP app: its routers plus /healthz, /readyz and /metrics."""

        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title=f"Liaison {self.settings.service}", lifespan=lifespan, version="1")
        app.state.provided = self._provided
        install_problem_handlers(app)
        for router in self._routers:
            app.include_router(router)
        app.include_router(_operations_router(self))
        for middleware in self._middleware:
            app.add_middleware(middleware)
        bulk_paths = [route.path_regex for router in self._routers for route in router.routes
                      if isinstance(route, APIRoute) and (route.openapi_extra or {}).get(next(iter(BULK_BODY)))]
        app.add_middleware(RequestPipeline, authentication=self.authentication, limits=self.settings.http_limits,
                           bulk_paths=bulk_paths)
        app.add_middleware(RequestMetrics, service=self.settings.service)
        describe_truthfully(app)
        return app


def _name_of(worker: Worker) -> str:
    return str(getattr(getattr(worker, "func", worker), "__name__", "worker"))  # a worker may be a partial


async def _supervised(worker: Worker, stop: asyncio.Event) -> None:
    backoff = Backoff()
    while not stop.is_set():
        try:
            await worker(stop)
        except Exception as exc:  # an outage, most likely: the worker starts again after a pause
            log.warning("worker failed; restarting", extra={"worker": _name_of(worker),
                                                            "error": type(exc).__name__})
            await wait_or_stop(stop, backoff.next())


def _operations_router(runtime: Runtime) -> APIRouter:
    # Probes and scrapes carry no credentials and return no PHI.
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> Health:
        return Health(status="ok", service=runtime.settings.service)

    @router.get("/readyz", summary="Readiness: the database and Kafka answer, the provider's keys are held",
                response_model=Readiness, responses={503: {"model": Readiness, "description": "Not ready"}})
    async def readyz() -> JSONResponse:
        checks = await runtime.ready()
        return JSONResponse({"ready": all(checks.values()), "checks": checks, "degraded": runtime.degraded()},
                            status_code=200 if all(checks.values()) else 503)

    @router.get("/metrics", summary="Prometheus metrics (text exposition format)", response_class=Response,
                responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
                                 "description": "Metrics"}})
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]
    degraded: list[str] = Field(description="What works from what was held last (e.g. the provider's keys).")


class RequestMetrics:
    """Counts and times requests by route template (never the raw path, which holds ids).
    Plain ASGI: Starlette's BaseHTTPMiddleware costs a task group per request."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self._app, self._service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_with_status)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(self._service, scope["method"], template, str(status)).inc()
            metrics.HTTP_LATENCY.labels(self._service, scope["method"], template).observe(
                time.perf_counter() - started)


class _Server(uvicorn.Server):
    """uvicorn, telling the runtime as soon as a stop is asked for (before it waits for open responses)."""

    def __init__(self, config: uvicorn.Config, runtime: Runtime) -> None:
        super().__init__(config)
        self._runtime = runtime

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        with contextlib.suppress(RuntimeError):  # no loop running yet: nothing to drain
            asyncio.get_running_loop().call_soon_threadsafe(self._runtime.draining.set)
        super().handle_exit(sig, frame)


def serve(runtime: Runtime) -> None:
    """Run the service until SIGTERM/SIGINT, then shut down gracefully."""
    configure_logging(runtime.settings.service, runtime.settings.log_level)
    config = uvicorn.Config(runtime.app(), host=runtime.settings.http_host, port=runtime.settings.http_port,
                            log_config=None, access_log=False, timeout_graceful_shutdown=20)
    _Server(config, runtime).run()
