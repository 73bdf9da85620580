"""csv importer (being written)."""
from .result import ParseResult


def parse(data: bytes) -> ParseResult:
    raise NotImplementedError("csv")
