"""pytest-xdist workers (scripts/test-all.sh runs two): each worker's database servers and other
host-wide listeners use ports shifted by PORT_OFFSET (worker gwN: N * 1000), so two modules running
at once in two workers never pick the same port. 0 outside xdist."""
import os

PORT_OFFSET = 1000 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").lstrip("gw") or 0)
