"""What every command module shares: the app context with SQLite's write lock taken up front."""
import functools
import sys

import click
from flask.cli import with_appcontext

from contest.db import begin_writes
from contest.extensions import db


def fail(messages, code: int = 1):
    """Roll back, print each message on stderr, exit non-zero: a command never half-succeeds."""
    db.session.rollback()
    for message in messages:
        click.echo(message, err=True)
    sys.exit(code)


def writer_context(command):
    """with_appcontext, and on SQLite the command's transactions take the write lock up front
    (a command may run beside the web server, e.g. close-expired from cron)."""

    @with_appcontext
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        begin_writes()
        return command(*args, **kwargs)

    return wrapped
