"""Sans-IO HTTP parsing: pure functions over header and query text, no event loop."""
