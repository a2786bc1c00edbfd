"""What the capture services announce, so outputs can follow without being called.

Data flows one way: capture (cases, outreach, leaflets, imports) → records → outputs. A capture
service must not import an output package, yet the outputs' summary tables have to change in
the same transaction as the records. So the services *send* these signals and the outputs
connect to them (:func:`mrc.aggregates.init_app`, run by ``create_app`` for the web app, the
CLI and the job worker alike). A service that changes records cannot forget the summaries: it
sends the signal for the change, whoever listens.

Receivers run synchronously, in the sender's thread, inside the sender's database transaction
(``db.session``): what they write commits or rolls back with the records. They must not commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

client_changing = _signals.signal("client-changing", doc="""
Sent by the case services (``update_client``, ``log_session``, ``record_attempt``,
``erase_client``, the corrections in ``mrc.cases.corrections`` and the lapse sweep in
``mrc.cases.lapse``) **before** they change anything of one client: the client row, its
sessions, its follow-ups or their attempts. The sender is the client's id (``int``); no
keyword arguments.

Guarantee: sent before the first change of that client's records in the current
transaction of ``db.session``, and in that same transaction (it may be sent again for the
same client; receivers treat repeats as no-ops). Registering a new client sends nothing: a
client without sessions contributes nothing until ``log_session`` sends it.
""")

event_changed = _signals.signal("event-changed", doc="""
Sent by the outreach services when an outreach event is created (``record_event``, after
the insert is flushed, so it has an id) or changed (``update_event``, *before* the change).
The sender is the :class:`~mrc.outreach.models.OutreachEvent`; no keyword arguments.

Guarantee: sent in the transaction of ``db.session`` that writes the event, for every
created or changed event; the event's ``mrc_id`` and ``date`` at sending time are those
before the change, and the record read again at commit holds those after it.
""")

leaflets_changed = _signals.signal("leaflets-changed", doc="""
Sent by the leaflet services when leaflets are handed out (``hand_out``: stock entries of
kind ``session`` or ``outreach``), before the entries are added. The sender is the MRC id
(``int``); keyword argument ``on_date`` (:class:`datetime.date`), the day of the hand-out.

Guarantee: sent in the transaction of ``db.session`` that adds the entries, once per
hand-out, with the MRC and day the entries are recorded under.
""")

session_logged = _signals.signal("session-logged", doc="""
Sent by the case services when a counselling session is logged (``log_session``, after
the new session is flushed, so it has an id). The sender is the new
:class:`~mrc.cases.models.CounsellingSession`; no keyword arguments. Corrections and
deletions of a session do not send it.

Guarantee: sent once per new session, in the transaction of ``db.session`` that inserts
it (a receiver that acts after commit must check the session still exists: a savepoint
rolled back after the signal takes the session with it).
""")

job_finished = _signals.signal("job-finished", doc="""
Sent by the job runner (:func:`mrc.jobs.runner.run_job`) when a job has finished
successfully, before the commit that records it as finished. The sender is the
:class:`~mrc.jobs.models.Job` (state ``finished``, its result recorded); no keyword
arguments. A failed job sends nothing.

Guarantee: sent in the transaction that marks the job finished, once per successful run
(a job run again after a crash may send it again: receivers treat repeats as no-ops).
""")

trends_scored = _signals.signal("trends-scored", doc="""
Sent by ``mrc signals run`` after it scored a week (cron runs it weekly), before its
commit. The sender is the Monday of the week scored (:class:`datetime.date`); no keyword
arguments. Receivers evaluate the week for the scopes they serve (what
:func:`mrc.trends.services.publish` shows, never a count).

Guarantee: sent in the command's transaction, once per run (running the command twice
sends it twice: receivers treat repeats as no-ops).
""")
