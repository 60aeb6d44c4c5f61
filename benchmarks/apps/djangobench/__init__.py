"""Django under gunicorn with the Django ORM (psycopg 3): a minimal project in one package.

``settings`` holds the minimal production settings (``DEBUG = False``, no middleware, a
persistent connection per worker thread), ``models`` maps the two tables, ``views`` the tests,
``wsgi`` is what gunicorn serves (``gunicorn djangobench.wsgi``).
"""
