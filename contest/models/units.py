"""Units (đơn vị): a tree of agencies/schools, each with a headcount (biên chế)."""
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db


class Unit(db.Model):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("headcount >= 0", name="headcount"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    headcount: Mapped[int] = mapped_column(default=0)
    group: Mapped[str | None] = mapped_column(String(100))  # khối thi

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
