"""The import page's example files (issue 16 point 9), written from the contest's demo bank.

Served here, not by the bank's blueprint: the bank imports nothing from the contest, and the
demo bank is the contest's. The bank writes the files (question_bank/examples.py) from the
questions passed in. Made on each request rather than shipped as static files, so they always
match the importer and the demo bank (a few dozen questions: milliseconds).
"""
import io
from functools import partial

from flask import abort, send_file

from contest.demo.load import demo_bank
from question_bank import examples

from . import bp

PER_TOPIC = 2  # a short file that still shows the topic lines of every group
TITLE = "Ngân hàng câu hỏi mẫu — Cải cách hành chính"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {  # the URL's name → (writer, download name, type)
    "word-in-dam": (partial(examples.word_bold, title=TITLE), "mau-word-dap-an-in-dam.docx", DOCX),
    "word-bang": (partial(examples.word_table, title=TITLE), "mau-word-bang.docx", DOCX),
    "excel": (examples.excel, "mau-excel.xlsx", XLSX),
}


def sample() -> list:
    taken: dict[str, int] = {}
    chosen = []
    for question in demo_bank().questions:
        if taken.get(question.topic, 0) < PER_TOPIC:
            taken[question.topic] = taken.get(question.topic, 0) + 1
            chosen.append(question)
    return chosen


@bp.route("/bank-examples/<name>")
def bank_example(name):
    if name not in FILES:
        abort(404)
    write, filename, mimetype = FILES[name]
    return send_file(io.BytesIO(write(sample())), mimetype=mimetype, as_attachment=True, download_name=filename,
                     max_age=0)
