"""Every read of PHI at the notifier is on record: a letter (its content is PHI) leaves one audit
record with the reader's roles, the letter's id and its inquiry's; an unknown letter (404) leaves
none, and so does the delivery log (recipients are staff mailboxes and MCO endpoints, not PHI);
compliance reads the audit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from liaison_notifier.main import bootstrap
from liaison_notifier.rules.ids import letter_id
from liaison_notifier.settings import Settings
from liaison_shared.audit import PHI_READ
from liaison_shared.payloads import NoticeIssuedV1
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until

from .conftest import ACTOR, NOW, Harness


def test_the_only_route_marked_as_returning_phi_is_the_letter() -> None:
    paths = bootstrap(Settings()).app().openapi()["paths"]  # builds the app; connects to nothing
    marked = {f"{method.upper()} {path}" for path, item in paths.items() for method, operation in item.items()
              if operation.items() >= PHI_READ.items()}
    assert marked == {"GET /v1/letters/{letter_id}"}


async def test_a_letter_read_leaves_one_record_and_compliance_reads_it(notifier: Harness, tokens: Tokens) -> None:
    inquiry_id = uuid.uuid4()
    [issued] = await notifier.publish(NoticeIssuedV1(inquiry_id=inquiry_id, notice="answer", text="The answer.",
                                                     actor=ACTOR, at=NOW))
    letter = letter_id(issued.id)

    async def stored() -> bool:
        async with notifier.runtime.engine.connect() as conn:
            return bool(await conn.scalar(text("SELECT count(*) FROM letters WHERE letter_id = :l"), {"l": letter}))
    await wait_until(stored, what="the letter")

    maria, cora = await tokens.headers(person="maria"), await tokens.headers(person="cora")
    async with notifier.http() as http:
        assert (await http.get(f"/v1/letters/{letter}", headers=maria)).status_code == 200
        assert (await http.get(f"/v1/letters/{uuid.uuid4()}", headers=maria)).status_code == 404
        assert (await http.get("/v1/deliveries", params={"inquiry_id": str(inquiry_id)},
                               headers=maria)).status_code == 200

        found = await http.get("/v1/access-audit", headers=cora)
        assert found.status_code == 200, found.text
        [read] = found.json()
        assert (read["operation"], read["resource_ids"], read["records"], read["roles"]) == \
            ("GET /v1/letters/{letter_id}", [str(letter), str(inquiry_id)], 1, ["member-liaison"])
        by_inquiry: list[dict[str, Any]] = (await http.get("/v1/access-audit", params={"resource_id": str(inquiry_id)},
                                                           headers=cora)).json()
        assert [r["id"] for r in by_inquiry] == [read["id"]]
        assert (await http.get("/v1/access-audit", headers=maria)).status_code == 403  # no audit:read
