"""Vietnamese names for demo participants, weighted roughly as they are common (in Thái Nguyên
the Tày and Nùng families Nông, Ma, Triệu and Lục too): family, middle names by sex, given names."""

FAMILY = [("Nguyễn", 36), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Vũ", 4), ("Phan", 3),
          ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Ngô", 1.5), ("Dương", 1.5), ("Đinh", 1.2), ("Hà", 1.2),
          ("Nông", 1.2), ("Ma", 0.8), ("Triệu", 0.8), ("Lương", 0.8), ("Trịnh", 0.8), ("Đào", 0.8),
          ("Mai", 0.6), ("Lý", 0.5), ("Hồ", 0.5), ("Cao", 0.5), ("Lục", 0.4), ("Chu", 0.4), ("Tạ", 0.4)]
MIDDLE = {
    "f": [("Thị", 45), ("Thu", 8), ("Thanh", 7), ("Ngọc", 6), ("Minh", 4), ("Hồng", 4), ("Phương", 3),
          ("Thùy", 3), ("Kim", 3), ("Hải", 2), ("Bích", 2), ("Diệu", 1), ("Khánh", 1), ("Mai", 1)],
    "m": [("Văn", 38), ("Đức", 8), ("Minh", 8), ("Quang", 6), ("Hữu", 6), ("Xuân", 4), ("Thanh", 4),
          ("Ngọc", 3), ("Mạnh", 3), ("Tiến", 3), ("Công", 3), ("Trung", 2), ("Duy", 2), ("Anh", 2)],
}
GIVEN = {
    "f": ["Hương", "Lan", "Linh", "Trang", "Hà", "Thảo", "Huyền", "Ngọc", "Hằng", "Nga", "Mai", "Phương",
          "Thủy", "Hạnh", "Yến", "Dung", "Hoa", "Loan", "Nhung", "Oanh", "Thúy", "Vân", "Anh", "Quỳnh",
          "Giang", "Hiền", "Liên", "Chi", "Nhàn", "Tâm", "Uyên", "Vy", "Hường", "Ly", "Hồng", "Duyên"],
    "m": ["Anh", "Dũng", "Hùng", "Tuấn", "Minh", "Nam", "Sơn", "Long", "Hải", "Hiếu", "Cường", "Thắng",
          "Trung", "Đức", "Huy", "Khánh", "Quân", "Thành", "Tùng", "Việt", "Phong", "Bình", "Hưng",
          "Hoàng", "Lâm", "Phúc", "Toàn", "Vinh", "Kiên", "Tiến", "Tài", "Quang", "Hòa", "Đạt", "Thịnh"],
}
