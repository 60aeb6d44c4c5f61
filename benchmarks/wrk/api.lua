-- The `api` test: POST a valid JSON item with a path, a query and a header parameter.
-- The runner validates the same request (benchmarks/runner/validate.py) before measuring.
wrk.method = "POST"
wrk.body = '{"name": "Anchor", "price": 49.5, "tags": ["deck", "brass"]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Token"] = "bench-token"
