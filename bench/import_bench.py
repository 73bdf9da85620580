"""Import speed and memory (issue 3 targets): `flask import-questions FILE` end to end.

A 10,000-question .xlsx, a 2,000-question .docx and a 10,000-question bank laid out as Word
tables (issue 16) are imported into an empty bank (≤ 5 s each,
peak memory ≤ 300 MB), and hostile files are refused (≤ 2 s, ≤ 300 MB), on SQLite and, when a
server is named, on PostgreSQL. Every run is a fresh child process on a fresh database, so its
peak RSS (getrusage of that child) is its own. The time judged is the command's own (read,
parse, plan, store, commit), the best of --repeat runs; its CPU time, and the process's wall
time with interpreter start, are shown beside it (on a busy machine the CPU time tells what the
code costs). Prints a table, then one JSON line; exit 1 on a miss.

    .venv/bin/python -m bench.import_bench [--xlsx 10000] [--docx 2000] [--docx-table 10000] [--repeat 3]
        [--only "docx table"]
        [--postgres postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres]

PostgreSQL: --postgres, else BENCH_POSTGRES_URL, else TEST_POSTGRES_URL (an admin URL on
127.0.0.1); throw-away databases are created from it and dropped at the end.
"""
import argparse
import io
import json
import os
import random
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from openpyxl import Workbook
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"import_s": 5.0, "refuse_s": 2.0, "rss_mb": 300.0}
ZIP_BOMB_BYTES = 1 << 30  # what the bomb's sheet really inflates to (and declares)

# --- a realistic bank ----------------------------------------------------------------------

_WORDS = (
    "cải cách hành chính thủ tục cơ quan nhà nước cán bộ công chức viên chức chính phủ điện tử số "
    "dịch vụ công trực tuyến một cửa liên thông hồ sơ giải quyết kết quả người dân doanh nghiệp "
    "nghị quyết nghị định thông tư quyết định luật bộ ngành địa phương ủy ban nhân dân tỉnh huyện xã "
    "tổ chức bộ máy tinh gọn hiệu lực hiệu quả minh bạch trách nhiệm giải trình kiểm soát đánh giá "
    "chỉ số hài lòng phục vụ cổng thông tin quốc gia cơ sở dữ liệu dân cư định danh xác thực chữ ký "
    "văn bản quy phạm pháp luật rà soát đơn giản hóa chi phí tuân thủ thời gian tiếp nhận trả lại "
    "phân cấp ủy quyền thẩm quyền kỷ luật kỷ cương đạo đức công vụ vị trí việc làm biên chế tiền lương "
    "tài chính công ngân sách tự chủ sự nghiệp đầu tư hạ tầng chuyển đổi nền tảng ứng dụng an toàn "
    "giai đoạn mục tiêu nhiệm vụ giải pháp chương trình tổng thể kế hoạch năm báo cáo định kỳ quý "
    "thanh tra kiểm tra khiếu nại tố cáo phản ánh kiến nghị tiếp công dân đối thoại công khai"
).split()
_TOPICS = ["Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy",
           "Cải cách chế độ công vụ", "Cải cách tài chính công", "Chính phủ số"]
_SOURCES = ["Nghị quyết 76/NQ-CP", "Nghị định 61/2018/NĐ-CP", "Nghị định 107/2021/NĐ-CP",
            "Quyết định 06/QĐ-TTg", "Luật Cán bộ, công chức 2008"]
_DIFFICULTIES = ["Dễ", "Trung bình", "Khó"]


@dataclass
class Row:
    text: str
    choices: list[str]
    correct: int
    topic: str
    difficulty: str
    source: str
    explanation: str


_PROVINCES = ["Hà Nội", "Hải Phòng", "Đà Nẵng", "Huế", "Cần Thơ", "Thái Nguyên", "Quảng Ninh", "Nghệ An",
              "Lâm Đồng", "Khánh Hòa", "Đồng Nai", "Bình Dương", "An Giang", "Cà Mau", "Lào Cai", "Sơn La"]


def bank_rows(count: int, seed: int = 2026) -> list[Row]:
    """Questions of 12–28 words as banks are written: common words far more often than rare ones
    (a Zipf law), a document number, year or province in most, and one in a hundred a copy of an
    earlier question with one word changed (a near-duplicate the import warns about)."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(_WORDS))]
    rows: list[Row] = []
    for n in range(1, count + 1):
        words = rng.choices(_WORDS, weights, k=rng.randint(12, 28))
        if n % 100 == 0 and rows:
            words = rng.choice(rows).text.rstrip("?").split()
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
        else:
            specifics = [f"{rng.randint(1, 300)}/{rng.randint(2005, 2025)}/NĐ-CP", f"năm {rng.randint(1990, 2030)}",
                         rng.choice(_PROVINCES), f"{rng.randint(2, 99)} ngày"]
            for specific in rng.sample(specifics, rng.randint(0, 3)):
                words.insert(rng.randrange(len(words) + 1), specific)
        choices = [" ".join(rng.choices(_WORDS, weights, k=rng.randint(2, 7))) + f" {n}.{k}" for k in range(4)]
        rows.append(Row(
            text=" ".join(words).capitalize() + "?", choices=choices, correct=rng.randrange(4),
            topic=_TOPICS[n % len(_TOPICS)], difficulty=_DIFFICULTIES[n % 3], source=_SOURCES[n % len(_SOURCES)],
            explanation=" ".join(rng.choices(_WORDS, weights, k=10)),
        ))
    return rows


def make_xlsx(rows: list[Row], write_only: bool = True) -> bytes:
    """write_only streams, as the exporter does; the other mode writes a <dimension> as Excel does."""
    workbook = Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích"])
    for row in rows:
        sheet.append([row.text, *row.choices, "ABCD"[row.correct], row.topic, row.difficulty, row.source,
                      row.explanation])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_docx(rows: list[Row]) -> bytes:
    """As organizers write it: topic headings, `Câu N:`, one choice a line; the answer is an
    `Đáp án: X` line for two questions in three and a bold choice for the third."""
    document = Document()
    document.add_paragraph("NGÂN HÀNG CÂU HỎI CUỘC THI TÌM HIỂU VỀ CẢI CÁCH HÀNH CHÍNH")
    topic = None
    for n, row in enumerate(rows, 1):
        if row.topic != topic and n % 50 == 1:
            topic = row.topic
            document.add_paragraph(f"Chủ đề: {topic}")
        document.add_paragraph(f"Câu {n}: {row.text}")
        for k, choice in enumerate(row.choices):
            run = document.add_paragraph().add_run(f"{'ABCD'[k]}. {choice}")
            run.bold = n % 3 == 0 and k == row.correct
        if n % 3:
            document.add_paragraph(f"Đáp án: {'ABCD'[row.correct]}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_docx_table(rows: list[Row]) -> bytes:
    """As ministries publish banks: a heading per topic, then a table `STT | Nội dung câu hỏi |
    Phương án trả lời | Đáp án` with the choices on their own lines in one cell and the header row
    repeated on each page. The XML is written directly: python-docx takes minutes for 10,000 rows."""
    def cell(*lines: str) -> str:
        return "<w:tc>" + "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(line)}</w:t></w:r></w:p>"
                                  for line in lines) + "</w:tc>"

    def paragraph(text: str) -> str:
        return f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>"

    header = ('<w:tr><w:trPr><w:tblHeader/></w:trPr>'
              + "".join(cell(name) for name in ("STT", "Nội dung câu hỏi", "Phương án trả lời", "Đáp án")) + "</w:tr>")
    grid = "<w:tblGrid>" + '<w:gridCol w:w="800"/><w:gridCol w:w="4000"/><w:gridCol w:w="4000"/><w:gridCol w:w="900"/>' \
        + "</w:tblGrid>"
    body = [paragraph("NGÂN HÀNG CÂU HỎI CUỘC THI TÌM HIỂU VỀ CẢI CÁCH HÀNH CHÍNH")]
    per_table = 500
    for start in range(0, len(rows), per_table):
        body.append(paragraph(f"Chủ đề: {rows[start].topic}"))
        body.append(f"<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr>{grid}{header}")
        for n, row in enumerate(rows[start:start + per_table], start + 1):
            choices = [f"{'ABCD'[k]}. {choice}" for k, choice in enumerate(row.choices)]
            body.append(f"<w:tr>{cell(str(n))}{cell(row.text)}{cell(*choices)}{cell('ABCD'[row.correct])}</w:tr>")
        body.append("</w:tbl>")
    shell = Document()
    buffer = io.BytesIO()
    shell.save(buffer)
    xml = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("word/document.xml").decode()
    start, end = xml.index("<w:body>") + len("<w:body>"), xml.index("<w:sectPr")
    return _replace_member(buffer.getvalue(), "word/document.xml", (xml[:start] + "".join(body) + xml[end:]).encode())


# --- hostile files ---------------------------------------------------------------------------

_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>\n"
)


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def _entity_bomb(data: bytes, member: str, root_tag: bytes) -> bytes:
    """A billion-laughs DTD before the part's root element, the entity used inside it."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read(member)
    body = xml[xml.index(b"<" + root_tag):]
    body = body.replace(b"</t>", b"&lol9;</t>", 1)
    return _replace_member(data, member, _LAUGHS + body)


def _zip_bomb(data: bytes, member: str, path: Path) -> None:
    """The package with `member` inflating to ZIP_BOMB_BYTES (declared and actual): about 1 MB."""
    source = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info.filename, source.read(info.filename))
                continue
            head = source.read(member)
            with target.open(member, "w", force_zip64=True) as handle:
                handle.write(head[: head.index(b">", head.index(b"<", 40)) + 1])
                chunk = b" " * (1 << 20)
                written = 0
                while written < ZIP_BOMB_BYTES:
                    handle.write(chunk)
                    written += len(chunk)


def _million_rows(data: bytes) -> bytes:
    """A real small sheet whose <dimension> claims a million rows and whose last row is r=1000000."""
    member = "xl/worksheets/sheet1.xml"
    xml = zipfile.ZipFile(io.BytesIO(data)).read(member)
    start = xml.index(b"<dimension")
    xml = xml[:start] + b'<dimension ref="A1:J1000000"/>' + xml[xml.index(b">", start) + 1:]
    xml = xml.replace(b"</sheetData>", b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c>'
                      b"</row></sheetData>")
    return _replace_member(data, member, xml)


def _ole2_encrypted() -> bytes:
    """What Excel writes for a password-protected workbook: a compound file holding
    EncryptionInfo and EncryptedPackage streams (the header and directory, filled with noise)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
    header = header.ljust(512, b"\xff")
    names = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64)
                     for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    return header + names + random.Random(7).randbytes(64 * 1024)


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    pixels = zlib.compress(b"".join(b"\0" + b"\xff\x00\x00" * 64 for _ in range(64)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def _oversized(data: bytes) -> bytes:
    """A real workbook carrying 21 MB of incompressible media: over the 20 MB upload limit."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", random.Random(3).randbytes(21 * 1024 * 1024))
    return buffer.getvalue()


def build_files(work: Path, xlsx_count: int, docx_count: int, table_count: int) -> list[tuple[str, str, Path]]:
    """(case name, "import" or "refuse", path) for every file the bench feeds the command."""
    small = bank_rows(20, seed=1)
    small_xlsx, small_docx = make_xlsx(small, write_only=False), make_docx(small)
    cases: list[tuple[str, str, bytes | None, str]] = [
        (f"xlsx {xlsx_count:,} câu", "import", make_xlsx(bank_rows(xlsx_count)), "bank.xlsx"),
        (f"docx {docx_count:,} câu", "import", make_docx(bank_rows(docx_count, seed=2026 + 1)), "bank.docx"),
        (f"docx table {table_count:,} câu", "import", make_docx_table(bank_rows(table_count, seed=2026 + 2)),
         "table.docx"),
        ("docx entity bomb", "refuse", _entity_bomb(small_docx, "word/document.xml", b"w:document"), "laughs.docx"),
        ("xlsx entity bomb", "refuse", _entity_bomb(small_xlsx, "xl/worksheets/sheet1.xml", b"worksheet"),
         "laughs.xlsx"),
        ("xlsx zip bomb 1 GiB", "refuse", None, "bomb.xlsx"),
        ("docx zip bomb 1 GiB", "refuse", None, "bomb.docx"),
        ("xlsx 1,000,000 rows", "refuse", _million_rows(small_xlsx), "million.xlsx"),
        ("xlsx over 20 MB", "refuse", _oversized(small_xlsx), "big.xlsx"),
        ("xlsx encrypted (OLE2)", "refuse", _ole2_encrypted(), "locked.xlsx"),
        ("xlsx corrupt zip", "refuse", small_xlsx[: len(small_xlsx) // 2], "broken.xlsx"),
        ("PNG named .xlsx", "refuse", _png(), "picture.xlsx"),
    ]
    out = []
    for name, expect, data, filename in cases:
        path = work / filename
        if data is not None:
            path.write_bytes(data)
        elif filename.endswith(".xlsx"):
            _zip_bomb(small_xlsx, "xl/worksheets/sheet1.xml", path)
        else:
            _zip_bomb(small_docx, "word/document.xml", path)
        out.append((name, expect, path))
    return out


# --- databases -------------------------------------------------------------------------------

class Databases:
    """A migrated template per engine, copied for every run so each starts from an empty bank."""

    def __init__(self, work: Path, postgres_admin: str | None):
        self.work = work
        self.admin = create_engine(postgres_admin, isolation_level="AUTOCOMMIT") if postgres_admin else None
        self.postgres_admin = postgres_admin
        self.created: list[str] = []
        self.prefix = f"bench_import_{os.getpid()}_{secrets.token_hex(3)}"
        self.sqlite_template = work / "template.db"
        self.engines = ["sqlite"] + (["postgresql"] if self.admin is not None else [])

    def prepare(self) -> None:
        _init_db(f"sqlite:///{self.sqlite_template}")
        if self.admin is not None:
            self._execute(f'CREATE DATABASE "{self.prefix}_tpl" ENCODING \'UTF8\' TEMPLATE template0')
            self.created.append(f"{self.prefix}_tpl")
            _init_db(self._url(f"{self.prefix}_tpl"))

    def fresh(self, engine: str) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        if engine == "sqlite":
            path = self.work / f"{name}.db"
            shutil.copyfile(self.sqlite_template, path)
            return f"sqlite:///{path}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.prefix}_tpl"')
        self.created.append(name)
        return self._url(name)

    def drop_all(self) -> None:
        if self.admin is None:
            return
        for name in reversed(self.created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()

    def _url(self, name: str) -> str:
        return make_url(self.postgres_admin).set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))


def _init_db(url: str) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "contest", "init-db"], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"init-db failed on {make_url(url).render_as_string()}:\n{done.stderr}")


# --- one measured run: a child process doing what `flask import-questions FILE --json` does ----

# The child holds nothing but the app: it builds it, then times the real command (read, parse,
# plan, store, commit) and writes that time to the file named last.
_CHILD = """
import json, sys, time
from contest import create_app
app = create_app()
code = 0
started, cpu = time.perf_counter(), time.process_time()
with app.app_context():
    try:
        app.cli.main(args=["import-questions", sys.argv[1], "--json"], prog_name="flask", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
with open(sys.argv[2], "w") as out:
    json.dump({"command_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu, "exit": code}, out)
sys.exit(code)
"""
# Linux starts a forked child's ru_maxrss at its parent's resident size, and this bench holds
# the generated files: a tiny launcher (no site-packages) spawns each child instead, so the
# child's getrusage peak is its own.
_LAUNCHER = """
import json, os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"exit": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss}, out)
"""


@dataclass
class Run:
    engine: str
    case: str
    expect: str
    ok: bool
    command_s: float
    cpu_s: float
    wall_s: float
    rss_mb: float
    detail: str


def measure(engine: str, case: str, expect: str, path: Path, url: str, work: Path, expected_count: int) -> Run:
    out, err, timing, usage = (work / name for name in ("stdout", "stderr", "timing.json", "usage.json"))
    timing.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    command = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(usage), sys.executable, "-c", _CHILD, str(path),
               str(timing)]
    started = time.perf_counter()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, check=True)
    wall = time.perf_counter() - started
    child = json.loads(usage.read_text())
    own = json.loads(timing.read_text()) if timing.exists() else {"command_s": wall, "cpu_s": wall}
    ok, detail = _judge(expect, child["exit"], out.read_text(), err.read_text(), expected_count)
    return Run(engine, case, expect, ok, own["command_s"], own["cpu_s"], wall, child["maxrss_kb"] / 1024, detail)


def _judge(expect: str, code: int, stdout: str, stderr: str, expected_count: int) -> tuple[bool, str]:
    """An import stores every question; a refusal exits non-zero and still prints the JSON object."""
    try:
        report = json.loads(stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return False, f"exit {code}, no JSON on stdout: {(stderr.strip().splitlines() or [''])[-1][:120]}"
    if expect == "import":
        ok = code == 0 and report["errors"] == [] and report["imported"] == expected_count
        return ok, f"imported {report['imported']}, warnings {len(report['warnings'])}, errors {len(report['errors'])}"
    errors = report.get("errors") or []
    ok = code != 0 and report.get("imported") == 0 and bool(errors)
    message = f"{errors[0]['where']}: {errors[0]['message']}" if errors else "no error reported"
    return ok, f"exit {code}, {message}"[:110]


# --- the whole bench -------------------------------------------------------------------------

def run_all(args) -> list[Run]:
    work = Path(tempfile.mkdtemp(prefix="importbench-"))
    databases = Databases(work, args.postgres)
    try:
        started = time.perf_counter()
        files = [f for f in build_files(work, args.xlsx, args.docx, args.docx_table) if args.only in f[0]]
        print(f"test files built in {time.perf_counter() - started:.1f} s in {work}", flush=True)
        databases.prepare()
        runs = []
        for engine in databases.engines:
            for case, expect, path in files:
                expected = {"xlsx ": args.xlsx, "docx table": args.docx_table}.get(
                    next((p for p in ("xlsx ", "docx table") if case.startswith(p)), ""), args.docx)
                repeats = [measure(engine, case, expect, path, databases.fresh(engine), work, expected)
                           for _ in range(args.repeat if expect == "import" else 1)]
                run = _combine(repeats)
                runs.append(run)
                print(f"  {engine:<11}{case:<24}{run.command_s:>7.2f} s (cpu {run.cpu_s:.2f} s){run.rss_mb:>6.0f} MB"
                      f"  {run.detail}", flush=True)
        return runs
    finally:
        databases.drop_all()
        shutil.rmtree(work, ignore_errors=True)


def _combine(repeats: list[Run]) -> Run:
    """The best time of the repeats (other work on the machine only ever adds to it) and the
    highest peak memory; failed if any failed."""
    fastest = min(repeats, key=lambda run: run.command_s)
    return Run(fastest.engine, fastest.case, fastest.expect, all(r.ok for r in repeats), fastest.command_s,
               fastest.cpu_s, fastest.wall_s, max(r.rss_mb for r in repeats),
               next((r.detail for r in repeats if not r.ok), fastest.detail))


def missed_targets(run: Run) -> list[str]:
    limit = TARGETS["import_s" if run.expect == "import" else "refuse_s"]
    missed = [] if run.ok else ["result"]
    if run.command_s > limit:
        missed.append(f"time {run.command_s:.2f} s > {limit:.0f} s")
    if run.rss_mb > TARGETS["rss_mb"]:
        missed.append(f"memory {run.rss_mb:.0f} MB > {TARGETS['rss_mb']:.0f} MB")
    return missed


def print_table(runs: list[Run]) -> None:
    print(f"{'engine':<11}{'file':<24}{'command s':>10}{'cpu s':>7}{'wall s':>8}{'peak MB':>9}{'target':>16}  verdict")
    for run in runs:
        limit = TARGETS["import_s" if run.expect == "import" else "refuse_s"]
        target = f"≤{limit:.0f} s ≤{TARGETS['rss_mb']:.0f} MB"
        verdict = "; ".join(missed_targets(run)) or ("imported" if run.expect == "import" else "refused")
        print(f"{run.engine:<11}{run.case:<24}{run.command_s:>10.2f}{run.cpu_s:>7.2f}{run.wall_s:>8.2f}"
              f"{run.rss_mb:>9.0f}{target:>16}  {verdict}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xlsx", type=int, default=10_000, help="questions in the workbook")
    parser.add_argument("--docx", type=int, default=2_000, help="questions in the Word document")
    parser.add_argument("--docx-table", type=int, default=10_000, help="questions in the Word-table bank")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--repeat", type=int, default=3, help="runs per import (best time, highest memory)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
        "TEST_POSTGRES_URL"), help="admin URL of a PostgreSQL server on 127.0.0.1")
    args = parser.parse_args(argv)
    runs = run_all(args)
    print_table(runs)
    if args.postgres is None:
        print("PostgreSQL not measured: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) to an admin URL.")
    missed = [f"{run.engine} {run.case}: {', '.join(missed_targets(run))}" for run in runs if missed_targets(run)]
    print("targets met" if not missed else "targets missed: " + " | ".join(missed))
    print(json.dumps({
        "targets": TARGETS,
        "runs": [{"engine": r.engine, "file": r.case, "expect": r.expect, "ok": r.ok,
                  "command_s": round(r.command_s, 3), "cpu_s": round(r.cpu_s, 3), "wall_s": round(r.wall_s, 3),
                  "rss_mb": round(r.rss_mb, 1),
                  "detail": r.detail} for r in runs],
        "missed": missed,
    }, ensure_ascii=False))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
