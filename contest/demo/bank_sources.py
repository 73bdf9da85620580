"""Topic names and source documents shared by the demo bank's data modules.

Every fact in the demo bank comes from the five propaganda plans in `../shared/reference`.
A question about what a national document says or when it was issued names that document as
its source; a question about a plan's own contents names the plan. Each explanation says
which plan states the fact.
"""

# Topics, in the order the bank presents them.
PROGRAM = "Chương trình tổng thể cải cách hành chính 2021–2030"
INSTITUTIONS = "Cải cách thể chế"
ONE_STOP = "Cơ chế một cửa, một cửa liên thông"
PROCEDURES = "Cải cách thủ tục hành chính"
INDEXES = "Chỉ số đánh giá cải cách hành chính"
APPARATUS = "Cải cách tổ chức bộ máy và chế độ công vụ"
FINANCE = "Cải cách tài chính công"
DIGITAL = "Chính quyền điện tử, chính quyền số"
RESPONSIBILITIES = "Trách nhiệm tổ chức thực hiện tuyên truyền"
COMMUNICATION = "Hình thức tuyên truyền cải cách hành chính"
LOCAL = "Chương trình, kế hoạch cải cách hành chính của địa phương"

TOPICS = [
    PROGRAM, INSTITUTIONS, ONE_STOP, PROCEDURES, INDEXES, APPARATUS,
    FINANCE, DIGITAL, RESPONSIBILITIES, COMMUNICATION, LOCAL,
]

# The five reference plans, named as each file names itself.
PLAN_DIENLUC = "Kế hoạch số 76/KH-TrMN của Trường Mầm non Điện Lực (tuyên truyền CCHC năm 2022)"
PLAN_PHONGDIEN = "Kế hoạch số 75/KH-PGD&ĐT của Phòng GD&ĐT huyện Phong Điền (tuyên truyền CCHC năm 2020)"
PLAN_THAINGUYEN = "Kế hoạch tuyên truyền cải cách hành chính tỉnh Thái Nguyên năm 2022"
PLAN_CONGHIEN = "Kế hoạch tuyên truyền công tác cải cách hành chính năm 2025 của Trường THPT Cộng Hiền"
PLAN_SAOMAI = "Kế hoạch tuyên truyền cải cách hành chính năm 2024 của Trường Mầm non Sao Mai"

# National documents the plans cite.
NQ_76 = "Nghị quyết 76/NQ-CP"
NQ_30C = "Nghị quyết 30c/NQ-CP"
CT_23 = "Chỉ thị 23/CT-TTg"
QD_225 = "Quyết định 225/QĐ-TTg"
QD_468 = "Quyết định 468/QĐ-TTg"
QD_1557 = "Quyết định 1557/QĐ-TTg"
ND_61 = "Nghị định 61/2018/NĐ-CP"
ND_107 = "Nghị định 107/2021/NĐ-CP"
ND_63 = "Nghị định 63/2010/NĐ-CP"
ND_43 = "Nghị định 43/2011/NĐ-CP"
