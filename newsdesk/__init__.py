"""newsdesk: a self-hostable automatic news desk."""

__version__ = "0.1.0"
