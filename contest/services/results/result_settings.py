"""How a contest ranks (tie-break chain, overall mode, unit formula) and publishing a round's results.

Every value is checked before any is stored, so a refused change leaves the contest as it was.
Both changes are written to the audit log; the caller commits.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm import Session

from contest.errors import Conflict, ValidationFailed
from contest.models import OVERALL_MODES, PREDICTION_TARGETS, TIE_BREAK_KEYS, UNIT_FORMULAS, Contest, Round
from contest.services import audit
from core.db import now_utc

KEY_LABELS = {  # lazy: str() them where a real str is needed
    "score": _l("Điểm"),
    "prediction": _l("Độ chính xác của câu dự đoán"),
    "duration": _l("Thời gian làm bài"),
    "submitted_at": _l("Thời điểm nộp bài"),
}
CHAIN_KEYS = tuple(key for key in TIE_BREAK_KEYS if key != "id")  # id always ends the chain by itself


@dataclass
class RankingSettings:
    tie_break: list[str]
    overall_mode: str
    unit_formula: str
    unit_rate_weight_percent: int
    min_participation_percent: int
    prediction_targets: dict[int, str] = field(default_factory=dict)  # round id → target

    @classmethod
    def of(cls, contest: Contest) -> "RankingSettings":
        return cls(
            tie_break=[key for key in (contest.tie_break or TIE_BREAK_KEYS) if key != "id"],
            overall_mode=contest.overall_mode,
            unit_formula=contest.unit_formula,
            unit_rate_weight_percent=contest.unit_rate_weight_percent,
            min_participation_percent=contest.min_participation_percent,
            prediction_targets={round_.id: round_.prediction_target for round_ in contest.rounds},
        )

    def as_dict(self) -> dict:
        return {
            "tie_break": self.tie_break, "overall_mode": self.overall_mode, "unit_formula": self.unit_formula,
            "unit_rate_weight_percent": self.unit_rate_weight_percent,
            "min_participation_percent": self.min_participation_percent,
            "prediction_targets": {str(k): v for k, v in self.prediction_targets.items()},
        }


def check_chain(keys: list[str]) -> list[str]:
    """The chosen keys in order; the first position is required, a blank ends the chain."""
    if not keys or not keys[0]:
        raise ValidationFailed(_("Tiêu chí xếp hạng thứ 1: hãy chọn một tiêu chí."), field="tie_break_1")
    chain: list[str] = []
    for position, key in enumerate(keys, start=1):
        if not key:
            later = [n for n, k in enumerate(keys[position:], start=position + 1) if k]
            if later:
                raise ValidationFailed(
                    _("Tiêu chí xếp hạng thứ %(later)d: vị trí %(position)d đang bỏ trống; "
                      "hãy chọn các tiêu chí liên tiếp từ trên xuống.", later=later[0], position=position),
                    field=f"tie_break_{later[0]}")
            break
        if key not in CHAIN_KEYS:
            raise ValidationFailed(_("Tiêu chí xếp hạng thứ %(position)d: “%(key)s” không phải tiêu chí hợp lệ.",
                                     position=position, key=key), field=f"tie_break_{position}")
        if key in chain:
            raise ValidationFailed(
                _("Tiêu chí xếp hạng thứ %(position)d: “%(label)s” đã được chọn ở vị trí %(first)d; "
                  "mỗi tiêu chí chỉ dùng một lần.", position=position, label=str(KEY_LABELS[key]),
                  first=chain.index(key) + 1), field=f"tie_break_{position}")
        chain.append(key)
    return chain


def _percent(value, label: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationFailed(_("%(label)s: phải là số nguyên từ 0 đến 100.", label=label), field=name)
    return value


def update_settings(session: Session, contest: Contest, settings: RankingSettings, *, actor_id: int | None = None,
                    ip: str | None = None) -> None:
    chain = check_chain(settings.tie_break)
    if settings.overall_mode not in OVERALL_MODES:
        raise ValidationFailed(_("Cách tính xếp hạng toàn cuộc thi không hợp lệ."), field="overall_mode")
    if settings.unit_formula not in UNIT_FORMULAS:
        raise ValidationFailed(_("Công thức xếp hạng đơn vị không hợp lệ."), field="unit_formula")
    weight = _percent(settings.unit_rate_weight_percent, _("Trọng số tỷ lệ tham gia (%)"),
                      "unit_rate_weight_percent")
    minimum = _percent(settings.min_participation_percent, _("Tỷ lệ tham gia tối thiểu (%)"),
                       "min_participation_percent")
    rounds = {round_.id: round_ for round_ in contest.rounds}
    for round_id, target in settings.prediction_targets.items():
        if round_id not in rounds:
            raise ValidationFailed(_("Đợt thi số %(id)s không thuộc cuộc thi này.", id=round_id))
        if target not in PREDICTION_TARGETS:
            raise ValidationFailed(_("Đợt “%(title)s”: giá trị so sánh của câu dự đoán không hợp lệ.",
                                     title=rounds[round_id].title), field=f"target_{round_id}")
    before = RankingSettings.of(contest).as_dict()
    contest.tie_break = [*chain, "id"]
    contest.overall_mode = settings.overall_mode
    contest.unit_formula = settings.unit_formula
    contest.unit_rate_weight_percent = weight
    contest.min_participation_percent = minimum
    for round_id, target in settings.prediction_targets.items():
        rounds[round_id].prediction_target = target
    audit.record(session, "ranking.settings", user_id=actor_id, target=f"contest:{contest.id}",
                 details={"before": before, "after": RankingSettings.of(contest).as_dict()}, ip=ip)
    session.flush()


def is_closed(round_: Round) -> bool:
    return round_.status(now_utc()) == "closed"


def set_results_public(session: Session, round_: Round, public: bool, *, actor_id: int | None = None,
                       ip: str | None = None) -> None:
    """Turns the public results page on (only once the round has closed) or off (any time)."""
    if public and not is_closed(round_):
        raise Conflict(_("Đợt thi chưa kết thúc: chỉ công bố kết quả sau khi đợt thi đóng."), code="round_not_closed")
    if round_.results_public == public:
        return
    round_.results_public = public
    audit.record(session, "results.publish" if public else "results.unpublish", user_id=actor_id,
                 target=f"round:{round_.id}", details={"results_public": public}, ip=ip)
    session.flush()


def is_public(round_: Round) -> bool:
    """The public page shows a round's results only while they are published and the round is closed."""
    return bool(round_.results_public) and is_closed(round_)
