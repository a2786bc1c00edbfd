"""The counsellor's pages: register, find, view, edit and erase clients, log sessions,
work through due follow-ups.

Views are thin: parse a form, call ``mrc.cases.services``, commit once, render or redirect.
Every record is fetched through ``mrc.scope``, so a record of another MRC is a 404.
Codes and phone numbers are only ever sent in POST bodies, never in URLs.
"""


from mrc.cases.routes import clients, common, corrections, followups, listing, sessions

__all__ = ["clients", "common", "corrections", "followups", "listing", "sessions"]
