"""Personal data: who may see it, and how it is masked for everyone else.

Phone, email, date of birth (and an ID number, should one be stored) are shown to organizers
and admins only. Judges and public pages see names, units and scores; a username that is a
phone number or an email (bulk imports make the phone the username) is masked for them and in
every export, since the judge's workbook is what gets printed and published.
"""
import re

PII_FIELDS = ("phone", "email", "date_of_birth", "id_number")
PII_ROLES = ("admin", "organizer")

_PHONE = re.compile(r"\+?\d[\d .-]{6,16}\d")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def may_see_pii(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in PII_ROLES


def looks_like_phone(text: str | None) -> bool:
    if not text or not _PHONE.fullmatch(text.strip()):
        return False
    return 8 <= sum(ch.isdigit() for ch in text) <= 15


def mask_phone(text: str | None) -> str:
    """0912345678 → 09xx xxx 678: enough to tell two people apart, not enough to call them."""
    digits = re.sub(r"\D", "", text or "")
    if len(digits) < 6:
        return "xxx"
    return f"{digits[:2]}xx xxx {digits[-3:]}"


def mask_email(text: str | None) -> str:
    """lan.nguyen@example.vn → l***@example.vn."""
    local, _at, domain = (text or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def public_username(username: str | None) -> str:
    """The username as judges, public pages and exports show it: phones and emails masked."""
    username = username or ""
    if looks_like_phone(username):
        return mask_phone(username)
    if _EMAIL.fullmatch(username.strip()):
        return mask_email(username.strip())
    return username


def username_for(viewer, username: str | None) -> str:
    """The username as `viewer` may see it."""
    return (username or "") if may_see_pii(viewer) else public_username(username)
