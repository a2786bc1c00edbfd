"""The capture page's words for its script, translated on the server (the script has no
catalogue of its own). ``{count}``, ``{code}``, ``{date}`` are filled in by the script."""

from __future__ import annotations

from flask_babel import gettext as _


def words() -> dict[str, str]:
    return {
        "online": _("Online"),
        "offline": _("Offline: entries are kept on this device."),
        "pending": _("%(count)s entries are waiting to send from this device. Clearing this "
                     "site's data in the browser (history, cookies and site data) would lose "
                     "them.", count="{count}"),
        "persistFailed": _("The browser did not promise to keep this site's data: it may "
                           "clear it when space runs low. Send entries as soon as you can."),
        "waiting": _("waiting to send"),
        "sending": _("sending"),
        "sent": _("sent"),
        "refused": _("refused"),
        "conflict": _("changed on the server meanwhile"),
        "nothing": _("Nothing is waiting to send."),
        "saved": _("Saved on this device."),
        "required": _("Fill in the required fields."),
        "setUp": _("Confirm your password to use this device for capture. What is kept on "
                   "it is encrypted with a key made from your password."),
        "unlock": _("Enter your password to open the entries kept on this device."),
        "wrongPassword": _("Wrong password."),
        "needLogin": _("Log in again (while connected) to set up this device."),
        "deviceUntil": _("This device can send until %(date)s.", date="{date}"),
        "deviceExpired": _("This device's access has ended: log in and set it up again "
                           "(entries kept on it stay and are sent then)."),
        "newCode": _("Client code given on this device: %(code)s", code="{code}"),
        "otherUser": _("Entries of another counsellor are waiting on this device: they "
                       "must log in here and send them first."),
        "noCode": _("No client code is left on this device: connect to get more."),
        "codesLeft": _("Client codes left on this device: %(count)s", count="{count}"),
        "noClient": _("No client with this code or id in your MRC."),
        "noWave": _("This follow-up wave is not open for an attempt."),
        "clientNotSent": _("The client of this entry could not be registered."),
        "loadFailed": _("The session could not be loaded (connect, and check the id)."),
        "loaded": _("Loaded: change what needs correcting, then save."),
        "chooseValues": _("Changed on the server since you loaded it: choose, field by "
                          "field, the value to keep."),
        "yours": _("Yours"),
        "theirs": _("On the server"),
        "base": _("Before"),
        "keepChosen": _("Keep the chosen values"),
        "failed": _("Could not be sent (%(status)s); it will be tried again.",
                    status="{status}"),
        "remove": _("Remove"),
        "locked": _("Locked: %(count)s entries are kept encrypted on this device.",
                    count="{count}"),
    }
