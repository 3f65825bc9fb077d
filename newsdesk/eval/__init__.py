"""Evaluation verbs: `newsdesk eval <name>`; each module here provides add_arguments(parser) and run(args) -> int."""
