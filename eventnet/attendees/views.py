"""Profiles: what an attendee tells about themselves and what they share."""
from flask import Blueprint

bp = Blueprint("attendees", __name__)
