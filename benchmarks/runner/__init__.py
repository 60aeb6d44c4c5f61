"""The benchmark runner behind ``scripts/bench``.

``spec`` declares the tests and implementations, ``validate`` checks answers, ``measure``
runs servers and wrk, ``report`` renders the results, ``database`` creates the tables, and
``cli`` ties them together: ``python -m benchmarks.runner --quick``.
"""
