"""``python -m model`` runs the ``leverage`` command."""

from .cli import main

raise SystemExit(main())
