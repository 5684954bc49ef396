"""Watch events flow: print every event on Liaison's topics as it arrives.

    .venv/bin/python -m deploy.local.tail [TOPIC ...]     # default: every catalogued topic

Prints type, key and CloudEvents time, never the payload (it may hold PHI).
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiokafka import AIOKafkaConsumer

from liaison_shared.kafka import catalog_topics


async def tail(bootstrap: str, topics: list[str]) -> None:
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        async for record in consumer:
            headers = {name: value.decode() for name, value in record.headers}
            print(f"{headers.get('ce_time', '?')}  {record.topic:<32} {headers.get('ce_type', '?'):<48} "
                  f"key={(record.key or b'').decode()}", flush=True)
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*")
    parser.add_argument("--bootstrap", default=os.environ.get("LIAISON_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    args = parser.parse_args()
    topics = args.topics or [t for t in catalog_topics() if not t.endswith(".dlq")]
    try:
        asyncio.run(tail(args.bootstrap, topics))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
