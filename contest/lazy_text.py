"""A lazily translated message with parameters, for forms built at import time.

flask_babel's lazy strings call themselves safe HTML (`__html__` returns the text as it is), so
Jinja, WTForms and `markupsafe.escape` print one raw: a value formatted into `_l(…, x=value)`
would land in the page as markup. `lazy_text(_l("… %(n)d …"), n=LIMIT)` translates and formats
when shown and escapes the whole like any other text. Values known only in a request go through
`_()` instead (tests/contest/test_escaping.py refuses `_l(` with anything but a literal).
"""
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyText(LazyString):
    def __html__(self) -> Markup:
        return escape(str(self))


def _format(message, values: dict) -> str:
    return str(message) % values


def lazy_text(message, **values) -> LazyText:
    """`message` (an `_l(...)` of a literal) with `values` put in when it is shown."""
    return LazyText(_format, message, values)
