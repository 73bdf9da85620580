"""Every choice of a question typed into one cell, one per line: `A. …⏎B. …⏎C. …⏎D. …`, in a
choices cell of its own or below the question's text in the question cell.

Conservative on purpose, since a wrong split would shift the key onto another choice: each choice
starts a line with its letter (`A.`, `A)`, `A:` or `A/`, in order from A); a line without a letter
continues the choice above it; anything else (text before `A.`, a letter out of order or a
lettered line inside a choice, every choice on one line) is refused, and the caller names the cell.
"""
import re

from core.text import clean_text

from .validate import LETTERS

_LABEL = re.compile(r"^([A-Ha-h])\s*[.):/]\s*(.*)$", re.DOTALL)


def split_choices(cell: str) -> list[str] | None:
    """The choices without their letters; None when the cell is not cleanly lettered line by line."""
    choices: list[str] = []
    for line in cell.splitlines():
        line = line.strip()
        if not line:
            continue
        label = _LABEL.match(line)
        if label and len(choices) < len(LETTERS) and label.group(1).upper() == LETTERS[len(choices)]:
            choices.append(label.group(2))
        elif label:
            return None  # "A." twice, "C." straight after "A.", or "a)" inside a choice: ambiguous
        elif choices:
            choices[-1] = f"{choices[-1]} {line}"
        else:
            return None
    if len(choices) < 2:
        return None
    return [clean_text(choice) for choice in choices]


def split_stem(cell: str) -> tuple[str, list[str]] | None:
    """A question typed with its choices in one cell: (stem, choices) when the lines from the first
    `A.` line on split cleanly and some text comes before it; None otherwise."""
    lines = cell.splitlines()
    for index, line in enumerate(lines):
        label = _LABEL.match(line.strip())
        if label and label.group(1).upper() == LETTERS[0]:
            stem = clean_text(" ".join(lines[:index]))
            choices = split_choices("\n".join(lines[index:]))
            return (stem, choices) if stem and choices else None
    return None
