"""What every importer returns: parsed questions plus every problem with its place."""
from dataclasses import dataclass, field

from core.files import Problem, file_where


@dataclass
class ParsedQuestion:
    """One question as the file states it; `correct` lists every choice index the file marks."""

    where: str
    text: str
    choices: list[str]
    correct: list[int] = field(default_factory=list)
    topic: str | None = None
    difficulty: str | None = None  # already mapped to easy / medium / hard
    source: str | None = None
    explanation: str | None = None
    # Set by a parser that read an answer it could not use (a letter with no such choice…);
    # check_question reports it instead of the generic "no correct answer".
    answer_problem: str | None = None
    # The duplicate key, computed once by services.plan_import and reused when storing.
    key: str | None = None
    status: str = "active"  # "retired" when the file says so (our own export round-trips it)

    @property
    def correct_index(self) -> int | None:
        return self.correct[0] if len(self.correct) == 1 else None


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    format: str = ""

    def error(self, where: str, message: str) -> None:
        self.errors.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))

    @classmethod
    def refused(cls, message: str, fmt: str = "") -> "ParseResult":
        """A file refused as a whole (hostile, corrupt, not what it claims)."""
        return cls(errors=[Problem(file_where(), message)], format=fmt)
