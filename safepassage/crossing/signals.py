"""What the crossing services tell the scheduler in `tasks`.

The services send; `tasks` receives (connected in `CrossingConfig.ready`),
so that the services never import the tasks that import them.
"""

from django.dispatch import Signal

#: Sent after commit with `alert_id`: the alert's notice is to be queued.
alert_notice_due = Signal()

#: Sent after commit: a plan or an alert changed, so the next moment
#: something falls due may have changed.
schedule_changed = Signal()
