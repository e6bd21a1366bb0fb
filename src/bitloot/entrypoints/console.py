"""The `bitloot` console script. Python spends a second or two importing the service's modules
before `cli.main` runs, and Ctrl-C then would print a `KeyboardInterrupt` traceback; here it ends
the command quietly, as it does once `main` runs."""

INTERRUPTED = 130


def main() -> int:
    try:
        from bitloot.entrypoints.cli import main as run_command  # noqa: PLC0415 - the point of this module
    except KeyboardInterrupt:
        return INTERRUPTED
    return run_command()
