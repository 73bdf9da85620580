"""Helpers the browser tests share: reading the live server's database, watching a page for
script and CSP errors, and measuring colour contrast."""
import re

from contest.extensions import db


def stored(live_server, query):
    """The rows `query` returns from the live server's database, read in its own app context."""
    with live_server.app.app_context():
        try:
            return db.session.execute(query).all()
        finally:
            db.session.remove()


def watch(page):
    """The page, recording in `page.errors` every script error and every CSP refusal."""
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""
    a, b = (_luminance(tuple(int(n) for n in re.findall(r"\d+", color)[:3])) for color in (first, second))
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)
