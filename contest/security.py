"""Security plumbing every request passes: proxy headers, body size, malformed input, write marking, headers."""
from flask import abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from contest import error_pages, form_input, malformed, ratelimits
from contest.api import errors as api_errors
from contest.db import mark_request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

def init_app(app) -> None:
    """Call last in create_app: the rate limits wrap the views every blueprint has registered."""
    if app.config.get("PROXY_COUNT"):
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # First of all before_request functions: CSRFProtect's would otherwise read the body first;
    # then malformed input, named precisely even where the CSRF token is missing too.
    app.before_request_funcs.setdefault(None, [])[0:0] = [_limit_body, _refuse_malformed]
    app.url_value_preprocessor(_check_url_values)
    app.before_request(mark_request)  # SQLite: requests that change state take the write lock
    app.after_request(_security_headers)
    error_pages.init_app(app)
    form_input.init_app(app)
    ratelimits.init_app(app)


def _limit_body():
    # 413 from the Content-Length header, before anything parses (or even reads) the body;
    # werkzeug enforces the same limit while reading a body sent without a length.
    if request.path.startswith("/api/"):
        request.max_content_length = current_app.config["API_MAX_CONTENT_LENGTH"]
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413)


def _check_url_values(_endpoint, values):
    # Ids are bounded by the `int` converter (malformed.py); a path text may still hold a NUL.
    if any(isinstance(value, str) and "\x00" in value for value in (values or {}).values()):
        abort(404)


def _refuse_malformed():
    problem = malformed.request_problem()
    if problem is None:
        return None
    if request.path.startswith("/api/"):
        return api_errors.error_response(problem.status, problem.code, problem.message)
    return error_pages.render_error(problem.status, problem.message)



def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if current_app.config.get("FORCE_HTTPS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api/v1/"):
        # An attempt's questions and a ranking are private: no shared cache keeps them.
        headers.setdefault("Cache-Control", "no-store")
    return response
