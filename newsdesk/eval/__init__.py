"""Evaluation verbs: `newsdesk eval <name>` runs <name>.run(args); the options are declared in cli/eval.py."""
