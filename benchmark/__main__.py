"""Entry point for ``python -m benchmark``."""

from benchmark.cli.main import main

raise SystemExit(main())
