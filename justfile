# BitLoot developer commands. `just --list` shows them all.

set dotenv-load := false

# Run the service on embedded defaults (SQLite, local keys folder, in-process jobs) on 127.0.0.1:8000
serve *ARGS:
    exec uv run bitloot serve {{ARGS}}

# Run a fulfilment worker (needs BITLOOT_BROKER_URL=redis://...; embedded jobs run inside `just serve`)
worker *ARGS:
    uv run bitloot worker {{ARGS}}

# Apply database migrations to BITLOOT_DATABASE_URL (embedded SQLite by default)
migrate:
    uv run bitloot migrate

# Walk one order from placed to paid to fulfilled to revealed on a throwaway embedded shop
demo:
    uv run bitloot demo

# Run the whole test suite
test *ARGS:
    uv run pytest {{ARGS}}

# The fast tests: unit, property, and the contract suites on the embedded adapters (no PostgreSQL, Redis or S3)
test-fast *ARGS:
    uv run pytest tests/unit tests/property tests/contract -k "not postgres and not redis and not s3" {{ARGS}}

# Lint: ruff, mypy --strict and the layer contract
lint:
    uv run ruff check .
    uv run ruff format --check .
    uv run mypy
    uv run lint-imports

# Format the code
fmt:
    uv run ruff format .
    uv run ruff check --fix .

# Benchmarks on real services (PostgreSQL, Redis, SeaweedFS), as ratios to a ceiling measured in the same run
bench *ARGS:
    uv run python -m bench.run {{ARGS}}

# Remove each fault-handling protection in turn (on a copy) and check its guarding tests then fail
mutants *NAMES:
    uv run python -m tests.mutants {{NAMES}}
