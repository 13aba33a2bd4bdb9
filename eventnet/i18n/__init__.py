"""Every attendee in their own language: languages.py (what we ship), selection.py (which one), hooks.py (Flask-Babel bound), formats.py, views.py (changing it)."""
