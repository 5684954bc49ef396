"""The console: where the program's people work their queues and cases in a browser."""
