"""The console's pure decisions: what a queue query asks for, what each role works and may do, and
how a clock is shown."""
