"""Accounts, their roles and their logged-in sessions."""
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from contest.extensions import db
from core.db import UTCDateTime, now_utc

ROLES = ("admin", "organizer", "judge", "participant")
STAFF_ROLES = ("admin", "organizer", "judge")


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'organizer', 'judge', 'participant')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="participant")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    date_of_birth: Mapped[date | None]
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)  # Số CCCD (12 digits) or CMND (9)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # A bulk-imported account has no password until its one-time activation link is used;
    # only the token's SHA-256 is stored (services/users/activation.py).
    activation_token_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Self-registration (issue 14): a unit the person declared counts once an organizer confirms
    # it; an account registered where the contest asks for approval is inactive until approved.
    unit_unconfirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The contest whose registration form made the account (NULL: imported, organizer or CLI made):
    # a contest admitting only invited or approved accounts refuses those made at another contest.
    # No foreign key (the migration adds the column without rebuilding `user`); only compared.
    registered_contest_id: Mapped[int | None]

    unit = relationship("Unit")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    # The `<user id>:<secret>` of the server-side session this object was loaded for or logged
    # in with (services/users/user_sessions.py); not a column.
    login_id = None  # type: str | None

    def get_id(self) -> str:
        # What Flask-Login keeps in the session and the remember cookie: deleting the session's
        # row (logout, log out everywhere, a password change) makes every copy of it worthless.
        if self.login_id is None:
            raise RuntimeError("log in through user_sessions.start(), which gives the session its id")
        return self.login_id

    # UserMixin compares get_id(), which differs per session and raises before a login: an account
    # is equal to itself only, as it hashes. A session's identity map holds one object per row.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def has_usable_password(self) -> bool:
        """False for an account waiting for its activation link (no werkzeug hash stored)."""
        return "$" in (self.password_hash or "")

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a memory-hard KDF.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


# `BTC` and `btc` are one name (SPEC §9): login, registration and imports compare lower().
Index("uq_user_username_lower", func.lower(User.username), unique=True)


class UserSession(db.Model):
    """One login: the cookie carries `<user id>:<secret>`, the table only the secret's SHA-256."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
