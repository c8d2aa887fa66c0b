"""The shell of the web pages: layout, assets, cookie sessions, CSRF, error pages, admin."""
