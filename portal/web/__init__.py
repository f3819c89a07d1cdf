"""The portal's server-rendered web pages: so far the web survey behind the counter posters.

survey.py   the routes (GET/POST /khao-sat, the stylesheet), mounted by portal/api/app.py
steps.py    what each page does: identification, a question, the offer of the long form
replay.py   the kiosk's survey (kiosk.domain.flow) resumed on each page from its state
state.py    that state, signed (HMAC, the portal's web secret) and kept by the browser
expired.py  the page for a state not taken, saying truly what was kept of the survey
storing.py  the answer as the contract carries it, sealed phone, one verdict per dossier
limits.py   rate limits per client and per client and dossier, recent answers (flags)
pages.py    Jinja2 templates (templates/) to HTML with the pages' headers; static/ the CSS
words.py    the kiosk's words and the web's own (words/<lang>.yaml)

More pages (the dashboard, public results) come as more route modules here; no figure is
computed here: a page prints what portal/reports/ computed, as the CLI and the JSON API do.
"""
