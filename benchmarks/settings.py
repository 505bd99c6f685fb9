"""Settings of the load test's server (``benchmarks/load.py``): the production settings,
served over plain HTTP on loopback.

Everything comes from ``alter.settings`` and the environment that ``load.py`` sets (DEBUG
off, a throw-away SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, a temporary STATIC_ROOT filled by
collectstatic), except what plain HTTP needs: cookies not marked Secure (a client does
not send those back over http), no HTTPS redirect, no HSTS; and the URLs gain the bare
baseline views.
"""

from alter.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bare_urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
