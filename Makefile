# The two commands of the README. Each prepares what it needs (Odoo source at ODOO_SRC,
# a virtualenv, PostgreSQL, Chromium) and is safe to run again.
ODOO_SRC ?= /opt/odoo18
export ODOO_SRC

.PHONY: test demo i18n clean load peer-test peer-baseline

test:
	@bash scripts/test.sh

# Odoo's own sale_stock, sale and account suites with the module, against tests/peer_baseline.txt
# (make test runs it too, unless PEER_TESTS=0).
peer-test:
	@bash scripts/peer_test.sh

# The same suites without the module: rewrites tests/peer_baseline.txt.
peer-baseline:
	@bash scripts/peer_test.sh --baseline

demo:
	@bash scripts/demo.sh

clean:
	rm -rf .build

# Regenerates the .pot and merges it into the translations.
i18n:
	@bash scripts/i18n.sh

# The load and fault test (bench/load/run.sh): several workers, faults, invariants, figures.
load:
	@bash bench/load/run.sh
