"""The development mailbox: messages the local sender delivered, readable in the browser."""
from flask import Blueprint

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mail")
