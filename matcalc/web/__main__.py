"""``python -m matcalc.web``: the same as ``matcalc serve``."""

import sys

from matcalc.web.serve import main

if __name__ == "__main__":
    sys.exit(main())
