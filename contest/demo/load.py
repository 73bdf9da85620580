"""Loading the demo: units, one account per role, the demo bank and contest. Idempotent."""
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.demo.bank import QUESTIONS
from contest.demo.units import UNITS
from contest.models import Contest, Unit, User
from contest.services import rounds
from contest.services.users import accounts
from question_bank import services as bank
from question_bank.importers.result import ParsedQuestion, ParseResult
from question_bank.importers.validate import LETTERS, check_question

DEMO_CONTEST = "Cuộc thi tìm hiểu về cải cách hành chính năm 2026"
DEMO_ACCOUNTS = [
    ("admin", "admin", "Quản trị hệ thống", "Admin@2026", None),
    ("btc", "organizer", "Ban tổ chức", "Btc@2026cchc", None),
    ("bgk", "judge", "Ban giám khảo", "Bgk@2026cchc", None),
    ("thisinh", "participant", "Nguyễn Văn An", "Thisinh@2026", "MN-DIENLUC"),
]


DEMO_ROUND = rounds.RoundSpec(
    title="Tuần 1: Chương trình tổng thể cải cách hành chính 2021–2030",
    question_count=10,
    duration_seconds=15 * 60,
    max_attempts=3,
    grading="best",
    show_score=True,
    rules=(
        "Mỗi lượt thi gồm 10 câu hỏi trắc nghiệm rút ngẫu nhiên từ ngân hàng, làm trong 15 phút. "
        "Mỗi người được thi tối đa 3 lượt; lượt có điểm cao nhất được tính. "
        "Câu trả lời được lưu ngay khi chọn; nếu mất mạng, hãy tiếp tục làm bài, hệ thống sẽ lưu lại khi có mạng."
    ),
)


def generate_password() -> str:
    return secrets.token_urlsafe(9)


def load_units(session: Session) -> int:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for code, name, parent, headcount, group in UNITS:
        if code not in existing:
            existing[code] = Unit(code=code, name=name, headcount=headcount, group=group)
            session.add(existing[code])
    for code, _name, parent, _headcount, _group in UNITS:
        if parent and existing[code].parent is None:
            existing[code].parent = existing[parent]
    session.flush()
    return len(UNITS)


def demo_bank() -> ParseResult:
    result = ParseResult(format="demo")
    for number, item in enumerate(QUESTIONS, start=1):
        question = ParsedQuestion(
            where=f"Câu {number}",
            text=item["text"],
            choices=list(item["choices"]),
            correct=[LETTERS.index(item["answer"])],
            topic=item["topic"],
            difficulty=item.get("difficulty", "medium"),
            source=item.get("source"),
            explanation=item.get("explanation"),
        )
        result.questions.append(question)
        result.errors.extend(check_question(question))
    return result


def load(session: Session) -> dict:
    units = load_units(session)
    report = bank.import_questions(session, demo_bank())
    if report.errors:  # the shipped bank is checked by the tests; this guards edits to it
        raise ValueError(f"demo bank: {report.errors[0].where}: {report.errors[0].message}")
    contest = session.scalar(select(Contest).where(Contest.name == DEMO_CONTEST))
    if contest is None:
        contest = Contest(name=DEMO_CONTEST, description="Tìm hiểu Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021–2030.")
        session.add(contest)
        session.flush()
    round_ = contest.rounds[0] if contest.rounds else rounds.create_round(session, contest, DEMO_ROUND)
    listed = []
    for username, role, full_name, password, unit_code in DEMO_ACCOUNTS:
        if session.scalar(select(User).where(User.username == username)) is None:
            accounts.create_user(session, username, password, role=role, full_name=full_name, unit_code=unit_code)
        listed.append({"username": username, "password": password, "role": role})
    session.flush()
    return {
        "contest_id": contest.id,
        "round_id": round_.id,
        "accounts": listed,
        "questions": len(QUESTIONS),
        "units": units,
    }
