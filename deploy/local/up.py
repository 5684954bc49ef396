"""Bring the seven services up on this machine, each as its own process.

    python -m deploy.local.up          # start (after `make infra`), wait until ready
    python -m deploy.local.up --stop   # stop what this started

Logs and pid files live in $LIAISON_STATE_DIR/run (default ~/.cache/liaison/run).
The services accept the access tokens of the Keycloak `make infra` starts
(their default issuer); the summary says how people sign in and how a system
gets its token.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from deploy.local import demo
from liaison_shared.testing.identity import ISSUER

SERVICES = {"intake": 8001, "triage": 8002, "sla-monitor": 8003, "notifier": 8004, "attribution": 8005,
            "console": 8006, "reporting": 8007, "care-coordination": 8008}
STATE = Path(os.environ.get("LIAISON_STATE_DIR", Path.home() / ".cache" / "liaison")) / "run"
BIN = Path(sys.executable).parent
DEMO_WEBHOOK_VARIABLE = "LIAISON_NOTIFIER_PRACTICE_1003000126_SECRET"
DEMO_WEBHOOK_SECRET = "whsec_ZGVtby1jbGluaWMtd2ViaG9vay1zZWNyZXQ="  # noqa: S105 (the demo's, like its passwords)

# A supervisor callback the call center's token may post (intake:write); received now.
TRY_BODY = ('{"category": "eligibility_enrollment", "member_name": "Try Caller", "caller_name": "Try Caller", '
            '"callback_phone": "515-555-0199", "description": "Asks to be called back.", '
            '"received_at": "\'"$(date -Iseconds)"\'"}')


def _pidfile(service: str) -> Path:
    return STATE / f"{service}.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _running_pid(service: str) -> int | None:
    pidfile = _pidfile(service)
    if pidfile.exists():
        pid = int(pidfile.read_text())
        if _alive(pid):
            return pid
    return None


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _commands() -> dict[str, tuple[list[str], dict[str, str]]]:
    # A local mail catcher stands in for the program's SMTP relay: the notifier's
    # e-mails land as files in run/mail, to be read instead of sent.
    mail = [str(BIN / "python"), "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:2525", "-c",
            "aiosmtpd.handlers.Mailbox", str(STATE / "mail")]
    # The demo clinic's webhook secret (subscriptions.yaml's secret_env), unless one is given.
    demo = {"notifier": {DEMO_WEBHOOK_VARIABLE: os.environ.get(DEMO_WEBHOOK_VARIABLE, DEMO_WEBHOOK_SECRET)}}
    return {"mail": (mail, dict(os.environ)),
            **{service: ([str(BIN / f"liaison-{service}")], {**os.environ, **demo.get(service, {})})
               for service in SERVICES}}


def start() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    print(f"starting the mail catcher and the seven services (logs in {STATE})")
    for service, (command, env) in _commands().items():
        if _running_pid(service):
            print(f"{service}: already running")
            continue
        log = (STATE / f"{service}.log").open("ab")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)  # noqa: S603
        _pidfile(service).write_text(str(process.pid))
    deadline = time.monotonic() + 90
    pending = dict(SERVICES)
    while pending and time.monotonic() < deadline:
        for service, port in list(pending.items()):
            if _ready(port):
                print(f"{service}: ready on http://127.0.0.1:{port}")
                del pending[service]
            elif not _running_pid(service):
                sys.exit(f"{service}: exited; see {STATE / (service + '.log')}")
        time.sleep(0.5)
    if pending:
        sys.exit(f"not ready after 90 s: {', '.join(pending)}; logs in {STATE}")
    print("loading the demo data set (two PCPs and a member in attribution, three inquiries at intake)")
    asyncio.run(demo.load())
    print("writing a synthetic history of the last months into reporting's read model, with a process change")
    subprocess.run([str(BIN / "liaison-reporting"), "demo-history"], check=True)  # noqa: S603
    print(summary())


def summary() -> str:
    """What `make up` prints once everything answers: where things are, how to sign in, how to get a token."""
    urls = "\n".join(f"  {service:<12} http://127.0.0.1:{port}/docs   metrics: http://127.0.0.1:{port}/metrics"
                     for service, port in SERVICES.items() if service != "console")
    people = "\n".join(f"    {name:<7} {name + '-demo':<13} {roles}" for name, roles in demo.people())
    admin_password = os.environ.get("KEYCLOAK_ADMIN_PASSWORD", "admin-demo")  # as deploy/local/keycloak.sh
    return f"""
Liaison is up, with demo data loaded.

  The console (where people work their queues and cases):  http://127.0.0.1:{SERVICES["console"]}
    sign in as one of the people below; its Reports show a few months of synthetic history
    (http://127.0.0.1:{SERVICES["console"]}/reports), with a process change to find.

{urls}

  People sign in at Keycloak, realm liaison ({ISSUER}):
    account console  {ISSUER}/account
    admin console    {ISSUER.rsplit("/realms/", 1)[0]}/admin   (admin / {admin_password})
    user    password      program role
{people}
  Systems get a token with client credentials (client id <id>, secret <id>-demo-secret:
  {", ".join(demo.systems())}); the call center's, into $TOKEN:
    {demo.token_command()}
  Try:         curl -s -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: $(date +%s%N)" \\
                 -H "Content-Type: application/json" http://127.0.0.1:8001/v1/inquiries/ime-callback-requests \\
                 -d '{TRY_BODY}'
  Events:      .venv/bin/python -m deploy.local.tail      (every event as it flows, PHI-free)
  Mail:        the notifier's e-mails land in {STATE / 'mail'} (a local mail catcher)
  Logs:        {STATE}/<service>.log
  Stop:        make down"""


def stop() -> None:
    for service in _commands():
        pid = _running_pid(service)
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        _pidfile(service).unlink(missing_ok=True)
        print(f"{service}: stopped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stop", action="store_true")
    stop() if parser.parse_args().stop else start()


if __name__ == "__main__":
    main()
