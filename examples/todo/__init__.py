"""A small to-do API on the database battery (a package, so its modules import as ``todo.*``)."""
