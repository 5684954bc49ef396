"""Prometheus metrics shared by every service. Labels never carry PHI:
only service, route templates, status codes, event types and topics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("liaison_http_requests_total", "HTTP requests served.",
                        ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("liaison_http_request_seconds", "HTTP request latency.", ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("liaison_events_published_total", "Outbox rows acknowledged by Kafka.", ["service"])
OUTBOX_BACKLOG = Gauge("liaison_outbox_backlog", "Outbox rows not yet acknowledged by Kafka.", ["service"])
RELAY_LAG = Histogram("liaison_outbox_relay_lag_seconds", "From outbox insert to Kafka acknowledgement.",
                      ["service"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
EVENTS_CONSUMED = Counter("liaison_events_consumed_total", "Events taken off the bus, by outcome.",
                          ["service", "event_type", "outcome"])
CONSUMER_LAG = Gauge("liaison_consumer_lag", "Records between the group's position and the high watermark.",
                     ["service", "topic", "partition"])
DEAD_LETTERS = Counter("liaison_dead_letters_total", "Events sent to a dead-letter topic.", ["service", "topic"])
