"""The `bitloot` command: serve, worker, migrate, demo, keys, stock, operators."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

# First of ours: before anything imports httpx (see the module).
import bitloot.entrypoints.httpx_without_cli  # noqa: F401
from bitloot.entrypoints.config import ConfigurationError, Settings, load_settings
from bitloot.entrypoints.keys_cli import add_keys_commands, run_keys_command
from bitloot.entrypoints.logging_setup import configure_logging
from bitloot.entrypoints.malloc_arenas import limit_malloc_arenas
from bitloot.entrypoints.metrics_dir import forget_metrics_dir, shared_metrics_dir
from bitloot.entrypoints.operators_cli import add_operators_commands, run_operators_command
from bitloot.entrypoints.stock_cli import add_stock_commands, run_stock_command

log = logging.getLogger("bitloot")


# What a shell reports for a command ended by Ctrl-C (128 + SIGINT).
INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Ctrl-C at any point ends the command quietly with `INTERRUPTED` (see also `console.py`)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return INTERRUPTED


def _run(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="bitloot", description="BitLoot fulfillment service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API (embedded defaults: SQLite, in-process jobs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="API processes, each serving every endpoint (default: one per core in production on "
        "PostgreSQL and Redis, else one)",
    )
    worker = commands.add_parser("worker", help="consume fulfilment jobs from Redis (BITLOOT_BROKER_URL)")
    worker.add_argument(
        "--provider",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="an extra dishka provider that overrides the wiring (tests use it to inject faults)",
    )
    commands.add_parser("migrate", help="apply database migrations")
    demo = commands.add_parser("demo", help="walk one order from placed to revealed, printing each step")
    demo.add_argument("--keep", action="store_true", help="keep the demo's temporary data folder")
    add_keys_commands(commands)
    add_stock_commands(commands)
    add_operators_commands(commands)
    args = parser.parse_args(argv)
    if args.command in ("serve", "worker"):
        # Before any thread starts; granian's forked workers inherit it (entrypoints/malloc_arenas.py).
        limit_malloc_arenas()
    configure_logging()
    if args.command == "serve":
        from bitloot.entrypoints.serve import address_problem

        if problem := address_problem(args.host, args.port):
            print(problem, file=sys.stderr)
            return 2
    if args.command != "serve":
        forget_metrics_dir()
    try:
        if args.command == "demo":
            from bitloot.entrypoints.demo import run_demo

            return asyncio.run(run_demo(keep=args.keep))
        settings = load_settings()
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "migrate":
        migrate(settings)
        return 0
    if args.command == "worker":
        return run_worker_process(settings, args.provider)
    if args.command in ("keys", "stock", "operators"):
        if settings.database_url.startswith("sqlite"):
            migrate(settings)
        return asyncio.run(_keys(settings, args))
    from bitloot.entrypoints.serve import serve_http
    from bitloot.entrypoints.serve_workers import default_workers

    with shared_metrics_dir():
        prepare(settings)
        workers = args.workers if args.workers is not None else default_workers(settings)
        return serve_http(args.host, args.port, workers)


def migrate(settings: Settings) -> None:
    from bitloot.adapters.persistence.sqla.migrate import upgrade

    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    log.info("database is at the newest schema")


def prepare(settings: Settings) -> None:
    """Embedded mode makes its own database and demo catalog; production expects `bitloot migrate`."""
    if settings.database_url.startswith("sqlite"):
        migrate(settings)
    if settings.seed_demo_catalog:
        asyncio.run(_seed(settings))


async def _seed(settings: Settings) -> None:
    from bitloot.entrypoints.ioc import container_for
    from bitloot.entrypoints.seed import seed_demo_catalog
    from bitloot.entrypoints.tasks import build_broker

    container = container_for(settings, build_broker(settings))
    try:
        await seed_demo_catalog(container)
    finally:
        await container.close()


async def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from bitloot.entrypoints.ioc import container_for
    from bitloot.entrypoints.tasks import build_broker

    container = container_for(settings, build_broker(settings))
    if args.command == "stock":
        return await run_stock_command(container, args)
    if args.command == "operators":
        return await run_operators_command(container, args)
    return await run_keys_command(container, args)


def run_worker_process(settings: Settings, provider_paths: Sequence[str]) -> int:
    import importlib

    import uvloop

    from bitloot.entrypoints.worker import run_worker

    providers = []
    for path in provider_paths:
        module_name, _, attribute = path.partition(":")
        providers.append(getattr(importlib.import_module(module_name), attribute)())
    uvloop.run(run_worker(settings, *providers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
