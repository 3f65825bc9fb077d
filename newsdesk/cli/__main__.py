"""`python -m newsdesk.cli ...`: the `newsdesk` command."""
import sys

from . import main

sys.exit(main())
