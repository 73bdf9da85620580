"""The OpenAPI 3.1 description of /api/v1, served at /api/openapi.json."""
from contest.services.results.flags import CODES as FLAG_CODES

_ERROR = {"$ref": "#/components/schemas/Error"}


def _responses(ok_status: str, ok_schema: dict, *errors: int) -> dict:
    responses = {ok_status: {"description": "OK", "content": {"application/json": {"schema": ok_schema}}}}
    # 400 on every operation: a NUL character anywhere in the query or body (invalid_characters).
    for status in sorted({400, *errors}):
        responses[str(status)] = {"description": "Lỗi", "content": {"application/json": {"schema": _ERROR}}}
    if "429" in responses:
        responses["429"]["headers"] = {
            "Retry-After": {"required": True, "description": "số giây cần đợi", "schema": {"type": "integer"}}}
    return responses


MAX_ID = 2**31 - 1  # every id is a 32-bit integer; a bigger one in a path is a 404
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_TIME = {"type": "string", "format": "date-time"}
_CSRF = [{"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"}}]
# A client's retries of one start repeat its key: a late copy returns that attempt, never a new one.
_IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"},
                    # with challenge_required: what to solve (contest/auth/challenge.py)
                    "challenge": {"type": "object", "properties": {
                        "algorithm": {"type": "string"}, "challenge": {"type": "string"},
                        "maxnumber": {"type": "integer"}, "salt": {"type": "string"},
                        "signature": {"type": "string"}}},
                },
            }
        },
    },
    "User": {
        "type": "object",
        "properties": {
            "id": _ID, "username": {"type": "string"}, "full_name": {"type": "string"},
            "role": {"enum": ["admin", "organizer", "judge", "participant"]},
            "unit_code": {"type": ["string", "null"]},
        },
    },
    "Round": {
        "type": "object",
        "required": ["id", "contest", "title", "opens_at", "closes_at", "duration_seconds", "attempts_used",
                     "attempts_allowed"],
        "properties": {
            "id": _ID,
            "contest": {"type": "object", "properties": {"id": _ID, "name": {"type": "string"}}},
            "title": {"type": "string"}, "opens_at": _TIME, "closes_at": _TIME,
            "duration_seconds": {"type": "integer"}, "question_count": {"type": "integer"},
            "attempts_used": {"type": "integer"}, "attempts_allowed": {"type": ["integer", "null"]},
        },
    },
    "Attempt": {
        "type": "object",
        "required": ["attempt_id", "deadline", "server_now", "questions", "answers", "prediction"],
        "properties": {
            "attempt_id": _ID, "round_id": _ID, "status": {"enum": ["in_progress", "finished"]},
            "started_at": _TIME, "deadline": _TIME, "server_now": _TIME,
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text", "choices"],
                    "properties": {
                        "id": _ID, "text": {"type": "string"},
                        "choices": {"type": "array", "items": {
                            "type": "object", "required": ["id", "text"],
                            "properties": {"id": _ID, "text": {"type": "string"}}}},
                    },
                },
            },
            "answers": {"type": "object", "additionalProperties": {"type": "integer"},
                        "description": "question id → chosen choice id"},
            "prediction": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {"prompt": {"type": "string"}}}]},
        },
    },
    "Receipt": {
        "type": "object",
        "required": ["status", "submitted_at", "duration_seconds"],
        "properties": {
            "status": {"const": "submitted"}, "submitted_at": _TIME, "duration_seconds": {"type": "integer"},
            "receipt_code": {"type": "string"}, "score": {"type": "integer"}, "max_score": {"type": "integer"},
        },
        "description": "score/max_score: the total only, present when the round shows scores right after "
                       "submitting, its contest allows it, and the attempt answered every question",
    },
    "RankingRow": {
        "type": "object",
        "required": ["rank", "attempt_id", "username", "full_name", "unit_code", "unit_name", "score", "max_score",
                     "prediction", "duration_seconds", "submitted_at", "flags"],
        "properties": {
            "rank": {"type": "integer"}, "attempt_id": _ID, "username": {"type": "string"},
            "full_name": {"type": "string"}, "unit_code": {"type": ["string", "null"]},
            "unit_name": {"type": ["string", "null"]}, "score": {"type": "integer"}, "max_score": {"type": "integer"},
            "prediction": {"type": ["integer", "null"]}, "duration_seconds": {"type": "integer"},
            "submitted_at": _TIME,
            "flags": {"type": "array", "items": {"enum": list(FLAG_CODES)},
                      "description": "implausible-attempt flags for judges: too_fast (under the round's minimum "
                                     "time), fast_answers (answers saved faster than reading pace), "
                                     "burst_registration (one of many accounts registered from one address in "
                                     "minutes), same_answers (answers identical to another account's, mistakes "
                                     "included)"},
        },
    },
}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def document() -> dict:
    attempt_id = {"name": "attempt_id", "in": "path", "required": True, "schema": _ID}
    round_id = {"name": "round_id", "in": "path", "required": True, "schema": _ID}
    question_id = {"name": "question_id", "in": "path", "required": True, "schema": _ID}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cuộc thi tìm hiểu cải cách hành chính — API làm bài", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
        },
        "security": [{"session": []}],
        "paths": {
            "/session": {
                "post": {
                    "summary": "Đăng nhập", "security": [],
                    "requestBody": _body({"type": "object", "required": ["username", "password"],
                                          "properties": {"username": {"type": "string", "maxLength": 254},
                                                         "password": {"type": "string", "maxLength": 200},
                                                         # after failed logins: 428 until solved (issue 14)
                                                         "challenge": {"type": "string", "maxLength": 2048}}}),
                    "responses": _responses("200", {"type": "object", "properties": {
                        "csrf_token": {"type": "string"}, "user": {"$ref": "#/components/schemas/User"}}},
                        400, 401, 413, 422, 428, 429),
                },
                "delete": {"summary": "Đăng xuất", "parameters": _CSRF,
                           "responses": _responses("200", {"type": "object"}, 400)},
            },
            "/rounds": {
                "get": {"summary": "Các đợt thi đang và sắp mở",
                        "responses": _responses("200", {"type": "object", "properties": {
                            "rounds": {"type": "array", "items": {"$ref": "#/components/schemas/Round"}}}}, 401)},
            },
            "/rounds/{round_id}/attempts": {
                "post": {
                    "summary": "Bắt đầu (hoặc tiếp tục) bài thi", "parameters": [round_id, *_CSRF, _IDEMPOTENCY_KEY],
                    "responses": {
                        **_responses("201", {"$ref": "#/components/schemas/Attempt"}, 400, 401, 403, 404, 409, 413,
                                     422, 429),
                        "200": {"description": "Bài thi đang làm dở",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Attempt"}}}},
                    },
                },
            },
            "/attempts/{attempt_id}": {
                "get": {"summary": "Trạng thái bài thi", "parameters": [attempt_id],
                        "responses": _responses("200", {"$ref": "#/components/schemas/Attempt"}, 401, 404)},
            },
            "/attempts/{attempt_id}/answers/{question_id}": {
                "put": {
                    "summary": "Lưu một câu trả lời", "parameters": [attempt_id, question_id, *_CSRF],
                    "requestBody": _body({"type": "object", "required": ["choice_id"], "properties": {"choice_id": _ID}}),
                    "responses": _responses("200", {"type": "object", "properties": {"saved_at": _TIME}},
                                            400, 401, 404, 409, 413, 422),
                },
            },
            "/rounds/{round_id}/ranking": {
                "get": {
                    "summary": "Bảng xếp hạng cá nhân của đợt thi (quản trị, ban tổ chức, ban giám khảo)",
                    "parameters": [
                        round_id,
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10**7}},
                        {"name": "unit", "in": "query", "description": "mã đơn vị (gồm cả đơn vị trực thuộc)",
                         "schema": {"type": "string", "maxLength": 50}},
                    ],
                    "responses": _responses("200", {"type": "object", "required": ["rows", "total"], "properties": {
                        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/RankingRow"}},
                        "total": {"type": "integer"}}}, 401, 404, 422),
                },
            },
            "/attempts/{attempt_id}/prediction": {
                "put": {
                    "summary": "Lưu câu trả lời dự đoán đang nhập (trước khi nộp bài)",
                    "parameters": [attempt_id, *_CSRF],
                    "requestBody": _body({"type": "object", "required": ["prediction"], "properties": {
                        "prediction": {"type": ["integer", "null"], "minimum": 0, "maximum": 10**9}}}),
                    "responses": _responses("200", {"type": "object", "properties": {"saved_at": _TIME}},
                                            400, 401, 404, 409, 413, 422),
                },
            },
            "/attempts/{attempt_id}/submit": {
                "post": {
                    "summary": "Nộp bài", "parameters": [attempt_id, *_CSRF],
                    "requestBody": _body({"type": "object", "properties": {
                        "prediction": {"type": ["integer", "null"], "minimum": 0, "maximum": 10**9},
                        "answers": {"type": "object", "maxProperties": 500,
                                    "propertyNames": {"pattern": "^[0-9]{1,9}$"},
                                    "additionalProperties": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                                    "description": "question id → chosen choice id"}}}),
                    "responses": _responses("200", {"$ref": "#/components/schemas/Receipt"},
                                            400, 401, 404, 409, 413, 422),
                },
            },
        },
    }
