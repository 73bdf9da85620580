"""The contest platform: `create_app` builds a fresh app per call (tests build many)."""
from datetime import timedelta
from pathlib import Path

from flask import Flask, has_request_context

from contest import access, admin, api, auth, cli, config as config_module, formatting, language, malformed
from contest import models  # noqa: F401  (every table, before the first query)
from contest import observability, people, quiz, request_audit, results, security
from contest.extensions import babel, csrf, db, login_manager, migrate
from contest.services import permissions, question_scope
from contest.services.quiz import draw
from question_bank import views as bank_views
from question_bank.signals import bank_changed, bank_changing, question_guard

ROOT = Path(__file__).resolve().parent.parent

# The bank reports its changes; the contest writes them to the audit log, in the same transaction.
bank_changing.connect(request_audit.audit_bank_change)
# Once the change is committed, this worker's new attempts draw from the bank as it now is, not
# after the pools' TTL (other workers' pools catch up within it: docs/deploy.md, "Caches").
bank_changed.connect(lambda *_args, **_kwargs: draw.clear_cache(), weak=False)
# An organizer scoped to some contests may not change a question an open round of another uses.
question_guard.connect(question_scope.refusal)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    malformed.init_app(app)  # before any route: the `int` converter and the JSON parser
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", config_module.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_DAYS"]))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    formatting.init_app(app)  # |vn_datetime, |vn_date, |number: one format for dates and numbers
    app.register_blueprint(language.bp)  # POST /language: the interface language, kept in a cookie
    login_manager.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(quiz.landing_bp)  # /contests/<id>: a contest's public landing page
    app.register_blueprint(admin.bp)  # /admin, guarded for admins and organizers in the blueprint
    app.register_blueprint(results.bp)  # /results: staff pages, plus the public page of a round
    app.register_blueprint(people.bp)  # /people: units and participants, organizers and admins
    app.register_blueprint(bank_views.bp, url_prefix="/bank")
    access.guard_blueprint(app, bank_views.bp.name, *permissions.MANAGE_ROLES)
    observability.init_app(app)  # /healthz and one latency log line per request
    security.init_app(app)  # proxy headers, body size, malformed input, security headers, error pages
    cli.init_app(app)
    return app


def _locale() -> str:
    if not has_request_context():  # CLI commands and background work speak the default language
        return "vi"
    return language.select_locale()
