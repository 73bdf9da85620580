"""General infrastructure shared by the bank and the contest: imports neither of them.

db (declarative base, UTC column type, the one clock), numbers (ids and counts from clients),
text (cleaning, folding, decoding), files (hostile-file checks, sniffing, problems with a place),
cells / sheets / xlsx_reader (reading any sheet or CSV as rows of texts), spreadsheet /
xlsx_stream (writing workbooks with safe cells), staging (uploads waiting between preview and
confirm), paging (one page of any listing).
"""
