"""WSGI entry point for granian: ``granian --interface wsgi peerloop.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")
application = get_wsgi_application()
