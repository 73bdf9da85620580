"""A small provincial unit tree: (code, name, parent code, headcount, group)."""

UNITS = [
    ("UBND-TINH", "UBND tỉnh Thái Nguyên", None, 0, None),
    ("SNV", "Sở Nội vụ", "UBND-TINH", 62, "Sở, ban, ngành"),
    ("STP", "Sở Tư pháp", "UBND-TINH", 48, "Sở, ban, ngành"),
    ("STTTT", "Sở Thông tin và Truyền thông", "UBND-TINH", 41, "Sở, ban, ngành"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "UBND-TINH", 75, "Sở, ban, ngành"),
    ("UBND-TPTN", "UBND thành phố Thái Nguyên", "UBND-TINH", 120, "Huyện, thành phố"),
    ("UBND-PY", "UBND thành phố Phổ Yên", "UBND-TINH", 95, "Huyện, thành phố"),
    ("PGD-TPTN", "Phòng GD&ĐT thành phố Thái Nguyên", "UBND-TPTN", 30, "Huyện, thành phố"),
    ("MN-DIENLUC", "Trường Mầm non Điện Lực", "PGD-TPTN", 38, "Trường học"),
    ("TH-QUANGVINH", "Trường Tiểu học Quang Vinh", "PGD-TPTN", 45, "Trường học"),
]
