"""The rules, shared by views and CLI; never touch request or session. Grouped as the app is:
quiz, results, people, users; contests, rounds, audit and question_scope serve them all."""
