"""The review web app: JSON API + keyboard-first review station. Build it with ``create_app``."""

from review_ui.app import create_app

__all__ = ["create_app"]
