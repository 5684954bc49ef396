"""The reporting read side: program reports computed from events; the statistics it reports with are in rules/."""
