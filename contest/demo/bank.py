"""The demo question bank (being written)."""

QUESTIONS = [
    {
        "topic": "Cải cách thủ tục hành chính",
        "source": "Nghị định 61/2018/NĐ-CP",
        "text": "Nghị định số 61/2018/NĐ-CP của Chính phủ quy định về nội dung gì?",
        "choices": [
            "Thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính",
            "Kiểm soát thủ tục hành chính",
            "Cung cấp dịch vụ công trực tuyến",
            "Tinh giản biên chế",
        ],
        "answer": "A",
        "difficulty": "easy",
    },
]
