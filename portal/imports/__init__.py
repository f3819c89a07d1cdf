"""Answers a clerk types in: paper forms and phone surveys, from a CSV or XLSX file
(`python -m portal import`).

sheet.py reads the file as text, refusing what cannot be trusted; layout.py matches its
headings to the form; rows.py checks every row with the form engine's rules; answers.py
makes each passing row the answer the portal keeps (the same one at every re-import);
rejects.py words the errors and writes the rows in error beside the file; run.py does it
in that order and stores through the portal's intake. forms.py finds a form the portal
knows, shipped or registered (the export heads its columns with it too).
"""
