import os

from django.core.wsgi import get_wsgi_application

from config.startup import exit_unless_database_reachable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
exit_unless_database_reachable()
application = get_wsgi_application()
