import os

from django.core.wsgi import get_wsgi_application

from config.startup import check_services, django_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_setup()
check_services()
application = get_wsgi_application()
