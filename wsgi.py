"""The WSGI entry point: `gunicorn wsgi:app`, and the app `flask` finds by default."""
from eventnet import create_app

app = create_app()
