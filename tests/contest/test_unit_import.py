"""Importing the unit tree (SPEC §3 `import-units`): headers, updates, parents, cycles, all-or-nothing."""
import json

import pytest
from sqlalchemy import func, select

from contest.models import AuditLog, Unit
from contest.services.people.unit_import import import_units
from core.files import FILE_WHERE
from tests.factories import make_unit
from tests.question_bank.binary_files import encrypted_package, read
from tests.question_bank.sheets import add_member, cp1258, csv_text, rewrite_member, xlsx

HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Biên chế", "Khối"]
TREE = [
    ["UBND-TINH", "UBND tỉnh Thái Nguyên", "", 0, ""],
    ["SNV", "Sở Nội vụ", "UBND-TINH", 62, "Sở, ban, ngành"],
    ["PGD", "Phòng GD&ĐT thành phố", "UBND-TP", 30, "Huyện, thành phố"],  # parent comes later
    ["UBND-TP", "UBND thành phố Thái Nguyên", "UBND-TINH", "1.200", "Huyện, thành phố"],
]


def problems(report):
    return [(p.where, p.message) for p in report.errors]


def stored(db) -> dict[str, tuple]:
    db.expire_all()
    units = db.scalars(select(Unit)).all()
    codes = {unit.id: unit.code for unit in units}
    return {u.code: (u.name, codes.get(u.parent_id), u.headcount, u.group) for u in units}


def test_tree_with_vietnamese_headers_and_a_parent_defined_later(db):
    report = import_units(db, xlsx([HEADER, *TREE]))
    db.commit()
    assert problems(report) == []
    assert (report.imported, report.updated) == (4, 0)
    assert stored(db) == {
        "UBND-TINH": ("UBND tỉnh Thái Nguyên", None, 0, None),
        "SNV": ("Sở Nội vụ", "UBND-TINH", 62, "Sở, ban, ngành"),
        "PGD": ("Phòng GD&ĐT thành phố", "UBND-TP", 30, "Huyện, thành phố"),
        "UBND-TP": ("UBND thành phố Thái Nguyên", "UBND-TINH", 1200, "Huyện, thành phố"),
    }


@pytest.mark.parametrize(
    "header",
    [
        ["Ma don vi", "Ten don vi", "Don vi cap tren", "So bien che", "Khoi thi"],
        ["MÃ ĐƠN VỊ", "TÊN ĐƠN VỊ", "ĐƠN VỊ CẤP TRÊN", "TỔNG SỐ CBCCVC", "KHỐI"],
        ["code", "name", "parent", "headcount", "group"],
        ["Mã đơn vị (*)", "Tên đơn vị (*)", "Mã đơn vị cấp trên", "Biên chế (người)", "Khối"],
    ],
    ids=["no-diacritics", "upper-case", "english", "hints"],
)
def test_header_spellings(db, header):
    report = import_units(db, xlsx([header, *TREE]))
    assert problems(report) == []
    assert report.imported == 4
    assert stored(db)["SNV"] == ("Sở Nội vụ", "UBND-TINH", 62, "Sở, ban, ngành")


def test_title_rows_above_the_header_and_stt_column_are_skipped(db):
    rows = [
        ["UBND TỈNH THÁI NGUYÊN"],
        ["DANH SÁCH ĐƠN VỊ THAM GIA CUỘC THI"],
        [],
        ["STT", *HEADER, "Ghi chú"],
        *[[number, *row, ""] for number, row in enumerate(TREE, start=1)],
    ]
    report = import_units(db, xlsx(rows))
    assert problems(report) == []
    assert report.imported == 4
    assert [(p.where, p.message) for p in report.warnings] == [
        ("Sheet1, dòng 4", "Không nhận ra cột “Ghi chú”; đã bỏ qua."),
    ]


@pytest.mark.parametrize(
    "encode, delimiter",
    [
        (lambda text: text.encode("utf-8-sig"), ","),
        (lambda text: text.encode("utf-8"), ";"),
        (cp1258, ","),
        (cp1258, "\t"),
    ],
    ids=["utf8-bom", "utf8-semicolon", "windows-1258", "windows-1258-tab"],
)
def test_csv_encodings(db, encode, delimiter):
    data = encode(csv_text([HEADER, *TREE], delimiter))
    report = import_units(db, data)
    assert problems(report) == []
    assert stored(db)["UBND-TP"] == ("UBND thành phố Thái Nguyên", "UBND-TINH", 1200, "Huyện, thành phố")


def test_existing_codes_are_updated_and_blank_cells_keep_values(db):
    root = make_unit(code="UBND-TINH", name="UBND tỉnh", headcount=0)
    make_unit(code="SNV", name="Sở Nội vụ cũ", headcount=50, group="Sở")
    make_unit(code="STP", name="Sở Tư pháp", headcount=48, group="Sở", parent=root)
    db.commit()
    rows = [
        ["SNV", "Sở Nội vụ", "UBND-TINH", "", ""],  # renamed, moved; headcount and group kept
        ["STP", "Sở Tư pháp", "UBND-TINH", 48, "Sở"],  # unchanged
        ["SGD", "Sở Giáo dục và Đào tạo", "UBND-TINH", 75, "Sở"],
    ]
    report = import_units(db, csv_text([HEADER, *rows]).encode())
    db.commit()
    assert problems(report) == []
    assert (report.imported, report.updated) == (1, 1)
    assert [row.status for row in report.rows] == ["updated", "unchanged", "new"]
    assert stored(db) == {
        "UBND-TINH": ("UBND tỉnh", None, 0, None),
        "SNV": ("Sở Nội vụ", "UBND-TINH", 50, "Sở"),
        "STP": ("Sở Tư pháp", "UBND-TINH", 48, "Sở"),
        "SGD": ("Sở Giáo dục và Đào tạo", "UBND-TINH", 75, "Sở"),
    }


def test_without_a_parent_column_parents_are_kept(db):
    root = make_unit(code="ROOT")
    make_unit(code="A", name="Cũ", parent=root)
    db.commit()
    report = import_units(db, xlsx([["Mã đơn vị", "Tên đơn vị"], ["A", "Mới"]]))
    db.commit()
    assert problems(report) == []
    assert stored(db)["A"][:2] == ("Mới", "ROOT")


def test_blank_parent_cell_makes_a_root(db):
    root = make_unit(code="ROOT")
    make_unit(code="A", name="A", parent=root)
    db.commit()
    import_units(db, xlsx([HEADER, ["A", "A", "", "", ""]]))
    db.commit()
    assert stored(db)["A"][1] is None


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([["", "Không mã", "", 1, ""]], [("Sheet1, dòng 2", "Thiếu mã đơn vị.")]),
        ([["X", "", "", 1, ""]], [("Sheet1, dòng 2", "Thiếu tên đơn vị.")]),
        ([["X", "Tên", "", -3, ""]], [("Sheet1, dòng 2", "Biên chế “-3” phải là số nguyên không âm (ví dụ 45).")]),
        ([["X", "Tên", "", "12,5", ""]],
         [("Sheet1, dòng 2", "Biên chế “12,5” phải là số nguyên không âm (ví dụ 45).")]),
        ([["X", "Tên", "", 12.5, ""]], [("Sheet1, dòng 2", "Biên chế “12.5” phải là số nguyên không âm (ví dụ 45).")]),
        ([["X", "Tên", "", "nhiều", ""]],
         [("Sheet1, dòng 2", "Biên chế “nhiều” phải là số nguyên không âm (ví dụ 45).")]),
        ([["X" * 51, "Tên", "", 1, ""]], [("Sheet1, dòng 2", "Mã đơn vị dài quá 50 ký tự.")]),
        ([["X", "Tên", "KHONG-CO", 1, ""]],
         [("Sheet1, dòng 2", "Đơn vị cấp trên “KHONG-CO” không có trong tệp và chưa có trong hệ thống.")]),
        ([["X", "Tên", "X", 1, ""]], [("Sheet1, dòng 2", "Đơn vị “X” không thể là cấp trên của chính nó.")]),
        ([["X", "Tên", "", 1, ""], ["Y", "Tên", "", 1, ""], ["X", "Lặp", "", 1, ""]],
         [("Sheet1, dòng 4", "Mã đơn vị “X” bị lặp: đã có ở Sheet1, dòng 2.")]),
        ([["X", "Tên", "x", 1, ""], ["x", "Tên", "", 1, ""]], []),  # codes are case-sensitive: x is its own unit
        ([["A", "Tên A", "a", 1, ""]],
         [("Sheet1, dòng 2", "Đơn vị cấp trên “a” không có trong tệp và chưa có trong hệ thống "
                             "(có mã “A”: mã phân biệt chữ hoa, chữ thường).")]),
        ([["A", "Sở Nội vụ", "", 1, ""], ["B", "Phòng", "Sở Nội vụ", 1, ""]],
         [("Sheet1, dòng 3", "Đơn vị cấp trên “Sở Nội vụ” không có trong tệp và chưa có trong hệ thống; "
                             "cột cấp trên ghi mã đơn vị (ví dụ “A”), không ghi tên.")]),
    ],
    ids=["no-code", "no-name", "negative", "decimal-text", "decimal-number", "words", "long-code", "unknown-parent",
         "own-parent", "duplicate", "case-sensitive", "case-hint", "name-hint"],
)
def test_row_errors_name_their_row_and_store_nothing(db, rows, expected):
    report = import_units(db, xlsx([HEADER, *rows]))
    assert problems(report) == expected
    if expected:
        assert report.imported == 0
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Unit)) == 0


def test_every_error_is_reported_in_file_order(db):
    rows = [
        ["A", "A", "B", 1, ""],
        ["B", "B", "A", -1, ""],
        ["C", "", "NOPE", 1, ""],
        ["A", "A lần hai", "", "x", ""],
    ]
    report = import_units(db, xlsx([["Danh sách"], HEADER, *rows]))
    assert problems(report) == [
        ("Sheet1, dòng 3", "Vòng lặp đơn vị cấp trên: A → B → A (cùng với Sheet1, dòng 4); "
                           "một đơn vị không thể là cấp trên của đơn vị cấp trên của nó."),
        ("Sheet1, dòng 4", "Biên chế “-1” phải là số nguyên không âm (ví dụ 45)."),
        ("Sheet1, dòng 5", "Thiếu tên đơn vị."),
        ("Sheet1, dòng 5", "Đơn vị cấp trên “NOPE” không có trong tệp và chưa có trong hệ thống."),
        ("Sheet1, dòng 6", "Mã đơn vị “A” bị lặp: đã có ở Sheet1, dòng 3."),
        ("Sheet1, dòng 6", "Biên chế “x” phải là số nguyên không âm (ví dụ 45)."),
    ]


def test_longer_cycle_in_the_file(db):
    rows = [["A", "A", "C", 1, ""], ["B", "B", "A", 1, ""], ["C", "C", "B", 1, ""], ["D", "D", "A", 1, ""]]
    report = import_units(db, xlsx([HEADER, *rows]))
    assert problems(report) == [
        ("Sheet1, dòng 2", "Vòng lặp đơn vị cấp trên: A → C → B → A (cùng với Sheet1, dòng 3; Sheet1, dòng 4); "
                           "một đơn vị không thể là cấp trên của đơn vị cấp trên của nó."),
    ]


def test_cycle_through_existing_units_is_refused_and_nothing_changes(db):
    top = make_unit(code="TOP", name="Cấp tỉnh")
    middle = make_unit(code="MID", name="Cấp huyện", parent=top)
    make_unit(code="LOW", name="Cấp xã", parent=middle)
    db.commit()
    before = stored(db)
    rows = [["NEW", "Đơn vị mới", "", 5, ""], ["TOP", "Cấp tỉnh (đổi tên)", "LOW", 1, ""]]
    report = import_units(db, xlsx([HEADER, *rows]))
    assert problems(report) == [
        ("Sheet1, dòng 3", "Vòng lặp đơn vị cấp trên: TOP → LOW → MID → TOP; "
                           "một đơn vị không thể là cấp trên của đơn vị cấp trên của nó."),
    ]
    db.rollback()
    assert stored(db) == before


def test_moving_a_subtree_under_a_new_unit_is_no_cycle(db):
    top = make_unit(code="TOP")
    make_unit(code="MID", parent=top)
    db.commit()
    report = import_units(db, xlsx([HEADER, ["MID", "Giữa", "NEW", 1, ""], ["NEW", "Mới", "TOP", 1, ""]]))
    db.commit()
    assert problems(report) == []
    assert stored(db)["MID"][1] == "NEW" and stored(db)["NEW"][1] == "TOP"


def test_one_bad_row_among_good_ones_stores_nothing_not_even_updates(db):
    make_unit(code="SNV", name="Sở Nội vụ", headcount=10)
    db.commit()
    rows = [["SNV", "Sở Nội vụ", "", 99, ""], ["STP", "Sở Tư pháp", "", 48, ""], ["BAD", "", "", 1, ""]]
    report = import_units(db, xlsx([HEADER, *rows]))
    assert problems(report) == [("Sheet1, dòng 4", "Thiếu tên đơn vị.")]
    assert (report.imported, report.updated) == (0, 0)
    db.rollback()
    assert stored(db) == {"SNV": ("Sở Nội vụ", None, 10, None)}


def test_several_sheets_and_a_sheet_without_header(db):
    data = xlsx(("Cấp tỉnh", [HEADER, TREE[0], TREE[1]]), ("Ghi chú", [["Chỉ là ghi chú"]]),
                ("Cấp huyện", [HEADER, TREE[2], TREE[3]]))
    report = import_units(db, data)
    assert problems(report) == []
    assert report.imported == 4
    assert [(p.where, p.message) for p in report.warnings] == [
        ("Ghi chú", "Trang tính “Ghi chú” không có dòng tiêu đề; đã bỏ qua."),
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (xlsx([["Tên", "Địa chỉ"], ["Sở Nội vụ", "Thái Nguyên"]]),
         "Không tìm thấy dòng tiêu đề trong 20 dòng đầu; cần các cột “Mã đơn vị”, “Tên đơn vị”."),
        (xlsx([HEADER]), "Tệp có dòng tiêu đề nhưng không có đơn vị nào."),
        (b"", "Tệp rỗng: không có nội dung nào."),
        (b"%PDF-1.7 ...", "Tệp PDF không được hỗ trợ; hãy dùng Excel (.xlsx) hoặc CSV."),
        (encrypted_package(), "Tệp được mã hoá (có mật khẩu); hãy bỏ mật khẩu rồi tải lên lại."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
         "Tệp Office đời cũ không phải bảng tính Excel (.xls) hoặc bị hỏng; hãy mở bằng Excel và lưu lại dưới "
         "dạng .xlsx."),
        (b"x" * (20 * 1024 * 1024 + 1), "Tệp quá lớn (20.0 MB); giới hạn là 20 MB."),
    ],
    ids=["no-header", "header-only", "empty", "pdf", "encrypted", "broken-ole2", "too-big"],
)
def test_files_refused_as_a_whole(db, data, message):
    report = import_units(db, data)
    assert problems(report) == [(FILE_WHERE, message)]


def test_entity_bomb_is_refused(db):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    data = rewrite_member(xlsx([HEADER, *TREE]), "xl/worksheets/sheet1.xml",
                          lambda content: bomb + content.replace(b"<t>", b"<t>&lol3;", 1))
    report = import_units(db, data)
    assert problems(report) == [(FILE_WHERE, "Tệp chứa khai báo XML không được phép (DOCTYPE/ENTITY); tệp bị từ chối.")]
    assert db.scalar(select(func.count()).select_from(Unit)) == 0


def test_zip_bomb_is_refused(db):
    data = add_member(xlsx([HEADER, *TREE]), "xl/media/image1.png", b"\0" * 20_000_000)
    report = import_units(db, data)
    assert problems(report) == [(FILE_WHERE, "Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn.")]


def test_rows_past_the_cap_are_refused(db):
    far_row = b'<row r="100001"><c r="A100001" t="inlineStr"><is><t>X</t></is></c></row></sheetData>'
    data = rewrite_member(xlsx([HEADER, *TREE]), "xl/worksheets/sheet1.xml",
                          lambda content: content.replace(b"</sheetData>", far_row))
    report = import_units(db, data)
    assert problems(report) == [(FILE_WHERE, "Trang tính “Sheet1” có hơn 100.000 dòng; hãy chia nhỏ tệp.")]
    assert report.imported == 0


def test_dry_run_reports_and_stores_nothing(db):
    report = import_units(db, xlsx([HEADER, *TREE]), dry_run=True)
    assert (report.imported, report.errors) == (4, [])
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Unit)) == 0


# --- the command -----------------------------------------------------------------------------


def test_command_imports_and_prints_json(runner, db, tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx([HEADER, *TREE]))
    result = runner.invoke(args=["import-units", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 4, "updated": 0, "errors": [], "warnings": []}
    assert len(stored(db)) == 4
    assert db.scalar(select(AuditLog.action).where(AuditLog.target == "don-vi.xlsx")) == "units_imported"
    again = runner.invoke(args=["import-units", str(path)])
    assert again.exit_code == 0
    assert again.stdout.strip() == "Đã thêm 0 đơn vị mới và cập nhật 0 đơn vị."


def test_command_with_errors_exits_non_zero_with_one_line_per_problem(runner, db, tmp_path):
    path = tmp_path / "don-vi.csv"
    path.write_bytes(csv_text([HEADER, ["A", "", "", 1, ""], ["B", "B", "KHONG", "x", ""]]).encode("utf-8-sig"))
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "CSV, dòng 2: Thiếu tên đơn vị.",
        "CSV, dòng 3: Biên chế “x” phải là số nguyên không âm (ví dụ 45).",
        "CSV, dòng 3: Đơn vị cấp trên “KHONG” không có trong tệp và chưa có trong hệ thống.",
    ]
    as_json = runner.invoke(args=["import-units", str(path), "--json"])
    assert as_json.exit_code == 1
    body = json.loads(as_json.stdout)
    assert body["imported"] == 0 and body["updated"] == 0
    assert body["errors"][0] == {"where": "CSV, dòng 2", "message": "Thiếu tên đơn vị."}
    assert db.scalar(select(func.count()).select_from(Unit)) == 0


def test_command_dry_run_and_missing_file(runner, db, tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx([HEADER, *TREE]))
    result = runner.invoke(args=["import-units", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["imported"] == 4
    assert db.scalar(select(func.count()).select_from(Unit)) == 0
    missing = runner.invoke(args=["import-units", str(tmp_path / "khong-co.xlsx")])
    assert missing.exit_code == 1
    assert "Không đọc được tệp" in missing.stderr


def test_command_refuses_a_hostile_file_with_json(runner, db, tmp_path):
    path = tmp_path / "bom.xlsx"
    path.write_bytes(add_member(xlsx([HEADER, *TREE]), "xl/media/image1.png", b"\0" * 20_000_000))
    result = runner.invoke(args=["import-units", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"] == [
        {"where": FILE_WHERE, "message": "Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn."},
    ]


def test_an_old_excel_file_imports_as_its_xlsx(db):
    # tests/question_bank/files/units.xls: made by LibreOffice from these rows (binary_files.UNITS).
    report = import_units(db, read("units.xls"))
    db.commit()
    assert problems(report) == []
    assert stored(db) == {
        "UBND-TINH": ("UBND tỉnh Thái Nguyên", None, 0, None),
        "SNV": ("Sở Nội vụ", "UBND-TINH", 62, "Sở, ban, ngành"),
        "STP": ("Sở Tư pháp", "UBND-TINH", 45, "Sở, ban, ngành"),
    }
