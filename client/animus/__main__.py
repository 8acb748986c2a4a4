"""``python -m animus``: the animus command line (see ``animus --help``)."""

from .cli import main

raise SystemExit(main())
