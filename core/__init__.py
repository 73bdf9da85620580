"""General infrastructure: imports neither contest nor question_bank."""
