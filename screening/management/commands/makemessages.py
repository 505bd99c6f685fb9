"""Django's makemessages, also extracting the exchange format's ``errors.tr(...)`` messages.

The exchange format's structural walk (screening/exchange/parse.py) translates its messages
through ``errors.tr`` (the collector's gettext, so a document's errors come in the request's
language); without the keyword, xgettext does not see them and ``--no-obsolete`` drops
their translations.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=tr"]
