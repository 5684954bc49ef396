"""The SLA monitor's pure decisions: no I/O, no clock, no database; each unit-tested on plain data."""
