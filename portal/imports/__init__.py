"""Answers a clerk types in: paper forms and phone surveys, from a CSV or XLSX file
(`python -m portal import`).

sheet.py reads the file as text, refusing what cannot be trusted; layout.py matches its
headings to the form; rows.py checks every row with the form engine's rules (choices.py:
how a choice is typed, and named in messages); answers.py makes each passing row the answer
the portal keeps (the same one at every re-import); rejects.py words the errors and writes
the rows refused to a new file beside the input; report.py counts what was done and sums
it up; run.py does it in that order and stores through the portal's intake. The form is
found by portal/forms.py's find_form, as the web survey and the export find theirs.
"""
