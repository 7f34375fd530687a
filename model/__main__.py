"""``python -m model`` runs the ``leverage`` command."""

from model.cli import main

raise SystemExit(main())
