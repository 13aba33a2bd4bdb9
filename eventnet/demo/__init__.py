"""The demo event: seed data and `flask demo seed`, for trying eventnet without an attendee list."""
