"""``python -m matcalc``: the same as the ``matcalc`` command."""

from matcalc.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
