"""The console's HTTP: pages (queues, cases, search, reports, care coordination), the fragments live pages
refetch, the live stream, case and care-coordination actions, sign-in and its static files, one router per
concern, in the order they are served."""

from __future__ import annotations

from liaison_console.api import care, care_actions, cases, live, queue, reports, search, signin, static

ROUTERS = (signin.router, queue.router, cases.router, search.router, reports.router, care.router,
           care_actions.router, live.router, static.router)
