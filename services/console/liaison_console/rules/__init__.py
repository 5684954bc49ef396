"""The console's pure decisions: what a queue query asks for, what each role works and may do, how a
clock is shown, and the report pages: what each asks reporting for, how its answer is shown, and the
geometry of its charts."""
