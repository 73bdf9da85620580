"""Issue 16 point 9: the import page offers an example file per layout, written in Vietnamese
from the demo bank, and each imports back through the real importer with no error and the demo
bank's keys."""
import io

import pytest
from docx import Document

from contest.admin.bank_examples import FILES, sample
from question_bank.examples import TABLE_HEADER
from question_bank.importers import parse_file


def _download(client, name: str):
    response = client.get(f"/admin/bank-examples/{name}")
    assert response.status_code == 200
    filename = FILES[name][1]
    assert response.headers["Content-Disposition"] == f"attachment; filename={filename}"
    return response.data, filename


def _keys(questions) -> list[tuple[str, list[str], int]]:
    return [(q.text, list(q.choices), q.correct_index) for q in questions]


def test_the_import_page_links_every_example(client, organizer):
    html = client.get("/bank/import").get_data(as_text=True)
    assert "Tệp mẫu" in html
    for name in FILES:
        assert f'href="/admin/bank-examples/{name}"' in html


@pytest.mark.parametrize("name", ["word-in-dam", "word-bang", "excel"])
def test_example_imports_back_with_the_demo_keys(client, organizer, name):
    data, filename = _download(client, name)
    result = parse_file(data, filename)
    expected = sample()
    assert result.errors == [] and result.warnings == []
    assert len(expected) >= 10 and len({q.topic for q in expected}) > 3
    assert _keys(result.questions) == _keys(expected)
    if name != "word-bang":  # the table has no topic column, as the ministries' banks
        assert [q.topic for q in result.questions] == [q.topic for q in expected]
    if name == "excel":  # the sheet carries the rest of each question too
        assert [(q.difficulty, q.source, q.explanation) for q in result.questions] == \
            [(q.difficulty, q.source, q.explanation) for q in expected]


def test_word_table_example_is_a_docx_with_the_ministry_table(client, organizer):
    data, _filename = _download(client, "word-bang")
    document = Document(io.BytesIO(data))
    assert len(document.tables) == 1
    table = document.tables[0]
    assert tuple(cell.text for cell in table.rows[0].cells) == TABLE_HEADER
    expected = sample()
    assert len(table.rows) == len(expected) + 1
    for number, (row, question) in enumerate(zip(table.rows[1:], expected), start=1):
        stt, stem, choices, key = (cell for cell in row.cells)
        assert stt.text == str(number) and stem.text == question.text
        assert [p.text for p in choices.paragraphs] == [f"{letter}. {choice}" for letter, choice
                                                         in zip("ABCD", question.choices)]
        assert key.text == "ABCD"[question.correct_index]


def test_unknown_example_is_404(client, organizer):  # who may download: test_route_policy
    assert client.get("/admin/bank-examples/pdf").status_code == 404

