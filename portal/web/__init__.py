"""The portal's server-rendered web pages: the dashboard, public results, the web survey.

None yet. When they come: one module of routes per page group here (an APIRouter each,
included by portal/api/app.py's create_app), Jinja2 templates under portal/web/templates/,
and no figure computed here: a page prints what portal/reports/ computed, as the CLI and
the JSON API do.
"""
