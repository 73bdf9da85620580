from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from contest.form_input import BaseForm


class LoginForm(BaseForm):
    username = StringField(
        _l("Tên đăng nhập, số điện thoại hoặc email"),
        validators=[DataRequired(_l("Hãy nhập tên đăng nhập.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Mật khẩu"), validators=[DataRequired(_l("Hãy nhập mật khẩu.")), Length(max=200)]
    )
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))
    challenge = HiddenField()  # after failed logins: the proof-of-work (auth/login_challenge.py)


class EmptyForm(BaseForm):
    """Only a CSRF token: for POST-only buttons such as logout."""
