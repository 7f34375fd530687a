"""``python -m model`` runs the ``leverage`` command."""

from model.cli.main import main

raise SystemExit(main())
