# The two commands of the README. Each prepares what it needs (Odoo source at ODOO_SRC,
# a virtualenv, PostgreSQL, Chromium) and is safe to run again.
ODOO_SRC ?= /opt/odoo18
export ODOO_SRC

.PHONY: test demo i18n clean load

test:
	@bash tools/test.sh

demo:
	@bash tools/demo.sh

clean:
	rm -rf .build

# Regenerates the .pot and merges it into the translations.
i18n:
	@bash tools/i18n.sh

# The load and fault test (bench/load/run.sh): several workers, faults, invariants, figures.
load:
	@bash bench/load/run.sh
