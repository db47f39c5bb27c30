"""The ``peerloop`` command line.

Each subcommand is a Django management command; ``peerloop --help`` lists the ones
people use, and ``peerloop manage ...`` reaches every other Django command.
"""

import os
import sys

COMMANDS = {
    "serve": "run the web server and a task consumer (http://127.0.0.1:8000)",
    "worker": "run a task consumer (any number, on Redis in production)",
    "migrate": "create or upgrade the database",
    "demo": "seed the demo organization (deterministic from --seed)",
    "import-people": "import people from a CSV or JSON file (--dry-run to preview)",
    "export-people": "export the directory as CSV",
    "import-metrics": "import metric values per unit or person and period",
    "import-vocabulary": "import topics, segments and values",
    "backup": "write the database and uploaded files to one archive",
    "restore": "restore an archive into an empty database",
    "createadmin": "create an admin account",
    "manage": "run any Django management command",
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: peerloop <command> [options]", "", "Commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Run 'peerloop <command> --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] in ("--version", "version"):
        from peerloop import __version__

        print(f"peerloop {__version__}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")
    from django.core.management import execute_from_command_line

    command, rest = args[0], args[1:]
    if command == "manage":
        execute_from_command_line(["peerloop", *rest])
        return 0
    if command not in COMMANDS:
        print(f"peerloop: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    django_name = {"worker": "run_huey"}.get(command, command.replace("-", "_"))
    execute_from_command_line(["peerloop", django_name, *rest])
    return 0
