"""Screenshots of the main pages at phone and desktop sizes, for the README.

Starts the app on 127.0.0.1 (a random free port) with a fresh SQLite database holding the demo
data plus a few finished attempts, opens the contest's landing page as a visitor, logs in as each
demo role in Chromium and writes PNGs into docs/screenshots/. Run from the repository root:

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""
import argparse
import io
import re
import sys
import tempfile
import threading
from pathlib import Path

from docx import Document
from flask_migrate import upgrade
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from contest import create_app  # noqa: E402  (the repository root is on the path only now)
from contest.demo import load as demo, scale as demo_scale  # noqa: E402
from contest.extensions import db  # noqa: E402
from contest.models import Attempt, Contest, Round  # noqa: E402
from contest.services.results import prizes  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 1, "has_touch": True, "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1, "locale": "vi-VN"}
PASSWORDS = {username: password for username, _role, _name, password, _unit in demo.DEMO_ACCOUNTS}
FINISHED_ATTEMPTS = 12


def build_app(folder: Path):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'screenshots.db'}",
        "SECRET_KEY": "screenshots-only",
        "RATELIMIT_ENABLED": False,
    })
    app.instance_path = str(folder)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        summary = demo.load(db.session)
        round_ = db.session.get(Round, summary["round_id"])
        demo_scale.add_participants(db.session, round_, FINISHED_ATTEMPTS, seed=2026)
        db.session.get(Contest, summary["contest_id"]).registration_open = True  # the registration form
        best = db.session.scalars(select(Attempt).where(Attempt.round_id == round_.id, Attempt.finished_at.is_not(None))
                                  .order_by(Attempt.score.desc(), Attempt.id)).first()
        best.duration_seconds = 0  # one implausible attempt for the prize review (flag too_fast)
        prizes.set_quotas(db.session, round_, "individual", {"first": 1, "second": 2, "third": 3})
        db.session.commit()
        return app, summary["contest_id"], summary["round_id"]


def word_bank() -> bytes:
    document = Document()
    document.add_paragraph("Câu 1: Cơ quan nào tham mưu Chính phủ về công tác cải cách hành chính?")
    document.add_paragraph("A. Bộ Tài chính")
    document.add_paragraph().add_run("B. Bộ Nội vụ").bold = True
    document.add_paragraph("C. Bộ Công an")
    document.add_paragraph("Câu 2: Bộ phận Một cửa tiếp nhận hồ sơ của tổ chức, cá nhân ở đâu?")
    document.add_paragraph().add_run("A. Tại Trung tâm Phục vụ hành chính công").bold = True
    document.add_paragraph("B. Tại nhà riêng của cán bộ")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class Shooter:
    def __init__(self, browser, base_url: str, out: Path):
        self.browser, self.base_url, self.out = browser, base_url, out

    def session(self, username: str, size: dict):
        context = self.browser.new_context(**size)
        page = context.new_page()
        page.goto(f"{self.base_url}/login")
        page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORDS[username])
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state("networkidle")
        return context, page

    def shot(self, page, name: str):
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")

    def visitor(self, contest_id: int):
        """The contest's public landing page, before logging in."""
        for size, suffix in ((PHONE, "phone"), (DESKTOP, "desktop")):
            context = self.browser.new_context(**size)
            page = context.new_page()
            page.goto(f"{self.base_url}/contests/{contest_id}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            self.shot(page, f"landing-{suffix}")
            if suffix == "phone":  # the registration form, its proof-of-work solved by the browser
                page.goto(f"{self.base_url}/contests/{contest_id}/register")
                page.wait_for_timeout(3000)
                self.shot(page, "register-phone")
            context.close()

    def participant(self, round_id: int):
        phone, page = self.session("thisinh", PHONE)
        desktop, wide = self.session("thisinh", DESKTOP)
        self.shot(page, "participant-home-phone")
        self.shot(wide, "participant-home-desktop")
        page.goto(f"{self.base_url}/rounds/{round_id}")
        page.get_by_role("button", name="Bắt đầu làm bài").click()
        page.wait_for_url(re.compile(r"/attempts/\d+$"))
        for number in (1, 2, 3):
            page.locator(f"#q-{number} input[type=radio]").nth(number % 4).locator("xpath=..").click()
            expect(page.locator("#save-status")).to_have_text("Đã lưu")
        page.evaluate("window.scrollTo(0, 0)")
        self.shot(page, "quiz-phone")
        wide.goto(page.url)
        expect(wide.locator("#countdown")).to_be_visible()
        self.shot(wide, "quiz-desktop")
        page.click("#submit-button")
        page.click("#submit-confirm")
        page.wait_for_url(re.compile(r"/receipt$"))
        self.shot(page, "receipt-phone")
        phone.close()
        desktop.close()

    def organizer(self, contest_id: int, round_id: int):
        context, page = self.session("btc", PHONE)  # the compact header, then its menu open
        page.goto(f"{self.base_url}/admin/contests/{contest_id}")
        self.shot(page, "organizer-contest-phone")
        page.get_by_role("button", name="Trình đơn").click()
        expect(page.get_by_role("link", name="Ngân hàng câu hỏi")).to_be_visible()
        self.shot(page, "organizer-menu-phone")
        page.goto(f"{self.base_url}/people/registrations")  # accounts to approve, units to confirm
        self.shot(page, "registrations-phone")
        page.goto(f"{self.base_url}/people/participants")  # a long list: the shared pager
        self.shot(page, "participants-phone")
        context.close()

        context, page = self.session("btc", DESKTOP)
        page.goto(f"{self.base_url}/bank/import")
        page.get_by_label("Tệp câu hỏi").set_input_files({
            "name": "ngan-hang-cau-hoi.docx", "buffer": word_bank(),
            "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        })
        page.get_by_role("button", name="Tải lên và xem trước").click()
        expect(page.locator(".preview-question").first).to_be_visible()
        self.shot(page, "bank-preview-desktop")
        page.goto(f"{self.base_url}/admin/rounds/{round_id}/edit")
        self.shot(page, "admin-round-form-desktop")
        context.close()

    def judge(self, round_id: int):
        for size, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
            context, page = self.session("bgk", size)
            page.goto(f"{self.base_url}/results/rounds/{round_id}")
            expect(page.locator("table.ranking")).to_be_visible()
            self.shot(page, f"results-round-{suffix}")
            if suffix == "desktop":  # flagged proposals first, each with its one-click exclusion
                page.goto(f"{self.base_url}/results/rounds/{round_id}/prizes")
                self.shot(page, "prizes-desktop")
            context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cchc-screenshots-") as folder:
        app, contest_id, round_id = build_app(Path(folder))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu"])
                try:
                    shooter = Shooter(browser, f"http://127.0.0.1:{server.server_port}", args.out)
                    shooter.visitor(contest_id)
                    shooter.participant(round_id)
                    shooter.organizer(contest_id, round_id)
                    shooter.judge(round_id)
                finally:
                    browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
