"""Login by magic link or typed code, and logout."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
