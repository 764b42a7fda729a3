# 营商通 — the two commands the README promises: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint typecheck check-deploy bench lock clean browser openapi

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "需要 Python 3.11,当前为 " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstalls only when the dependency list or the lock changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo
	@HOST=$(HOST) PORT=$(PORT) scripts/run.sh

# Debian's chromium for the browser tests (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "提示:未安装 chromium,浏览器测试将跳过(root 下会自动 apt-get install chromium)"; fi; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test -v0
	$(BIN)/lint-imports
	$(BIN)/mypy yingshang config tests conftest.py
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy yingshang config tests conftest.py

check-deploy: install
	SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(60))') \
	  AUDIT_HMAC_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))') ALLOWED_HOSTS=yingshang.example.gov.cn \
	  DJANGO_SETTINGS_MODULE=config.settings.prod $(BIN)/python manage.py check --deploy --fail-level WARNING

# Fills a separate benchmark database with 1,000,000 enterprises (once) and times the enterprise list.
bench: install
	$(BIN)/python bench/enterprise_list.py --db postgres
	$(BIN)/python bench/enterprise_list.py --db sqlite

# Refresh the pinned versions after changing pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache

# Regenerate the pinned OpenAPI schema after an intended API change.
openapi: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -c 'import django, json; django.setup(); \
	from tests.test_openapi import current_schema, PINNED; \
	PINNED.write_text(json.dumps(current_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")'
