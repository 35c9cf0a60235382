# Quick start on a fresh Debian 12 machine:  make run   |   make test
VENV  := .venv
STAMP := $(VENV)/.bootstrapped

.PHONY: run test check bench bootstrap clean help

help:
	@echo "make run    install what is missing and run the platform with the Qianxi demo data"
	@echo "make test   the whole test suite (starts every service it needs)"
	@echo "make check  ruff + mypy only"
	@echo "make bench  the benchmarks in benchmarks/ (ratios against same-run baselines)"

bootstrap: $(STAMP)

$(STAMP): pyproject.toml scripts/bootstrap.sh
	scripts/bootstrap.sh
	@touch $(STAMP)

run: bootstrap
	LIANDONG_MODE=$${LIANDONG_MODE:-demo} \
	LIANDONG_AUTH__COOKIE_SECURE=$${LIANDONG_AUTH__COOKIE_SECURE:-false} \
	$(VENV)/bin/liandong run

test: bootstrap
	scripts/test

check: bootstrap
	scripts/check

bench: bootstrap
	$(VENV)/bin/python benchmarks/run_all.py

clean:
	rm -rf var/liandong.db* var/redis .pytest_cache .mypy_cache .ruff_cache
