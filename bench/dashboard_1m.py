"""The dashboard over 1,000,000 measures: bench/dashboard.py run in the overdue scenario's database.

That database (<bench database>_1m, made by bench/overdue.py, so this runs after it) holds one history
row per measure. Prints {"dashboard_1m_ms": {...}}; bench/run.py files it under dashboard_ms.at_1m.
"""

import os
import sys

from bench.overdue import _database_url

if __name__ == "__main__":
    os.environ["DATABASE_URL"] = _database_url()
    from bench import dashboard

    dashboard.main(["--key", "dashboard_1m_ms", *sys.argv[1:]])
