"""Nothing of this app is in the Django admin, on purpose.

The admin is the three administrators' tool (三员分立, see audit.admin_site), not a way around the
pages, the court scope and measures.workflow: this app's records are read and changed only through
its own pages and API, which check the user's scope and write the history and the audit log.
"""
