"""One composition root per service: database, outbox relay, consumer and HTTP.

A service builds a `Runtime` in its `bootstrap(settings)` and hands it to
`serve()`. Nothing connects before `start()`; uvicorn's SIGTERM handling
runs `stop()`, which finishes the in-flight event, commits, leaves the
consumer group, flushes the producer and disposes the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from liaison_shared import metrics
from liaison_shared.consumer import EventConsumer, Handler
from liaison_shared.db import UnitOfWork, create_engine, ping, session_factory
from liaison_shared.kafka import catalog_topics, ensure_topics, kafka_answers
from liaison_shared.logging import configure_logging
from liaison_shared.migrations import upgrade
from liaison_shared.outbox import Outbox, OutboxRelay
from liaison_shared.problems import install_problem_handlers
from liaison_shared.settings import ServiceSettings


class Runtime:
    """Everything a service process runs, wired once."""

    def __init__(
        self, settings: ServiceSettings, *, migrations: Path, handlers: Mapping[str, Handler] | None = None,
        routers: Sequence[APIRouter] = (),
    ) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url, settings.schema_name)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.outbox = Outbox(settings.topic_prefix)
        self.relay = OutboxRelay(
            self.engine, settings.schema_name, settings.kafka_bootstrap, service=settings.service,
            batch_size=settings.relay_batch_size, sweep_seconds=settings.relay_sweep_seconds,
        )
        self.consumer = EventConsumer(
            name=settings.service, engine=self.engine, bootstrap=settings.kafka_bootstrap,
            group_id=settings.consumer_group, handlers=handlers, topic_prefix=settings.topic_prefix,
            max_attempts=settings.consumer_max_attempts,
        ) if handlers else None
        self._migrations = migrations
        self._routers = list(routers)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def add_router(self, router: APIRouter) -> None:
        """Serve `router` too (routers often need the runtime, so they come after it)."""
        self._routers.append(router)

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

    async def stop(self) -> None:
        """Graceful shutdown: finish in-flight work, commit, leave the group, close."""
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.engine.dispose()

    async def ready(self) -> dict[str, bool]:
        """Whether the database and Kafka answer now."""
        try:
            await ping(self.engine)
            database = True
        except Exception:  # readiness reports, it does not raise
            database = False
        producer = self.relay.producer
        kafka = producer is not None and await kafka_answers(producer)
        return {"database": database, "kafka": kafka}

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
        app.state.runtime = self
        install_problem_handlers(app)
        _install_request_metrics(app, self.settings.service)
        for router in self._routers:
            app.include_router(router)
        app.include_router(_operations_router(self))
        return app


def _operations_router(runtime: Runtime) -> APIRouter:
    # Probes and scrapes carry no credentials and return no PHI.
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.settings.service}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.ready()
        return JSONResponse({"ready": all(checks.values()), "checks": checks},
                            status_code=200 if all(checks.values()) else 503)

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _install_request_metrics(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def measure(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")  # the template, never the raw path (ids)
        metrics.HTTP_REQUESTS.labels(service, request.method, template, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(service, request.method, template).observe(time.perf_counter() - started)
        return response


def serve(runtime: Runtime) -> None:
    """Run the service until SIGTERM/SIGINT, then shut down gracefully."""
    configure_logging(runtime.settings.service, runtime.settings.log_level)
    config = uvicorn.Config(runtime.app(), host=runtime.settings.http_host, port=runtime.settings.http_port,
                            log_config=None, access_log=False, timeout_graceful_shutdown=20)
    uvicorn.Server(config).run()
