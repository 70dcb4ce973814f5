# Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bot bench bench-delivery bench-delivery-scale bench-stories bench-scale bench-postgres clean soak

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/release-digest demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check digests bot tests bench
	$(BIN)/mypy

bot: $(STAMP)
	$(BIN)/release-digest bot

bench: $(STAMP)
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/cnndm_check.py
	$(BIN)/python bench/analysis_bounds.py

bench-stories: $(STAMP)
	$(BIN)/python bench/stories.py
	$(BIN)/python bench/stories_cost.py

bench-delivery: $(STAMP)
	$(BIN)/python -m bench.delivery  # as a module, so that tests.fake_discord imports
	$(BIN)/python -m bench.delivery --shard-processes 2

bench-delivery-scale: $(STAMP)
	$(BIN)/python -m bench.delivery_scale  # 10,000 subscriptions, bench-scale's 100,000-release store behind them
	$(BIN)/python -m bench.delivery_scale --processes 2

bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale  # builds a 100,000-release store under .cache/scale/ on first run
	$(BIN)/python -m bench.bot_memory  # the bot process's RSS after 100 answers at 100,000 releases
	$(BIN)/python -m bench.ingest_rate  # 2,000 files into copies of the 2k, 10k and 100k stores, 3 repeats

bench-postgres: $(STAMP)
	$(BIN)/python -m bench.scale_postgres  # bench-scale's store copied into PostgreSQL (kept under .cache/scale/)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

soak: $(STAMP)
	$(BIN)/python -m bench.soak  # SIGKILLs ingest and delivery at random moments, then checks; not in make test
