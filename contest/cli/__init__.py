"""`flask --app contest COMMAND`: one transaction per command, exit 0 only on success (SPEC §3).

One module per subject, each listing its click commands in COMMANDS: setup (init-db, create-user,
demo), bank (import-questions, export-questions), rounds (create-round, close-expired), people
(import-units, import-participants), results (export-results); support holds what they share.
"""
from contest.cli import bank, people, results, rounds, setup

MODULES = (setup, bank, rounds, people, results)


def init_app(app) -> None:
    for module in MODULES:
        for name in module.COMMANDS:
            app.cli.add_command(getattr(module, name))
